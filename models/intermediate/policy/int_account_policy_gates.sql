-- The account policy: every account passes the gates in this order and gets exactly one action.
--   1 no_scores        no scored user: nothing to decide on (no_action)
--   2 admin_veto       an admin is a predicted sleeping dog (int_customer_policy_uplift) (do_not_disturb)
--   3 toxic_users      sleeping-dog share > toxic_user_share (cs_health_check: customer success first)
--   4 unprofitable     neither a nudge nor a call is worth its cost (no_action)
--   5 too_small        an account (not a customer without one) with fewer scored users than
--                      min_account_users (no_action)
--   6 holdout          a seeded random holdout_share of the accounts still eligible (holdout)
--   7 channel          a call nets more than the next best action (a nudge, or nothing) and no admin is
--                      predicted to be hurt -> candidate for human_outreach, else automated_nudge. A call
--                      is a conversation with the account's decision-makers, and an annoyed admin hurts
--                      the whole account, so the scarce channel is the cautious one: no admin with
--                      evidence of harm from a call, and no admin whose predicted effect of either channel
--                      is below zero (point predictions, which the evidence rule would let through)
--   8 capacity         the human_capacity candidates with the highest gain of a call over the next best
--                      action get human_outreach; the rest fall back to a nudge when it pays, else nothing
-- The holdout is drawn before capacity so no human slot goes to an account that is then held out.
with

accounts as (

    select * from {{ ref('int_account_uplift_rollup') }}

),

flagged as (

    select
        *,
        scored_users = 0 as is_no_scores,
        sleeping_dog_admins > 0 as is_admin_veto,
        coalesce(sleeping_dog_share > {{ var('toxic_user_share') }}, false) as is_toxic_users,
        expected_value - automated_cost as nudge_net_value,
        human_value - human_cost as human_net_value,
        expected_value - automated_cost <= 0 and coalesce(human_value - human_cost <= 0, true) as is_unprofitable,
        -- a customer without an account (consumer data) is its own account: the size gate is for accounts
        account_ref is not null and scored_users < {{ var('min_account_users') }} as is_too_small,
        -- deterministic pseudo-random draw per account, from the account id and the seed
        {{ hash_fraction("account_id || ':' || '" ~ var('policy_seed') ~ "'") }} < {{ var('holdout_share') }}
            as is_holdout_draw,
        -- the gain of a call over the next best action: a nudge when it pays, else nothing
        human_value - human_cost - greatest(expected_value - automated_cost, 0) as human_gain,
        coalesce(
            human_value - human_cost > greatest(expected_value - automated_cost, 0)
            and coalesce(call_sleeping_dog_admins, 0) = 0
            and coalesce(min_admin_uplift, 0) >= 0
            and coalesce(min_admin_call_uplift, 0) >= 0,
            false
        ) as covers_human_outreach

    from accounts

),

gated as (

    select
        *,
        case
            when is_no_scores then 'no_scores'
            when is_admin_veto then 'admin_veto'
            when is_toxic_users then 'toxic_users'
            when is_unprofitable then 'unprofitable'
            when is_too_small then 'too_small'
            when is_holdout_draw then 'holdout'
        end as suppressing_gate

    from flagged

),

ranked as (

    select
        *,
        case
            when suppressing_gate is null and covers_human_outreach
                then row_number() over (
                    partition by suppressing_gate is null and covers_human_outreach
                    order by human_gain desc, account_id asc
                )
        end as human_rank

    from gated

),

decided as (

    select
        *,
        coalesce(
            suppressing_gate,
            case
                when
                    human_rank is not null
                    {% if var('human_capacity') is not none %}and human_rank <= {{ var('human_capacity') }}{% endif %}
                    then 'human_channel'
                when human_rank is not null and nudge_net_value > 0 then 'capacity'
                when human_rank is not null then 'capacity_no_nudge'
                else 'automated_channel'
            end
        ) as deciding_gate

    from ranked

)

select
    *,
    case deciding_gate
        when 'no_scores' then 'no_action'
        when 'admin_veto' then 'do_not_disturb'
        when 'toxic_users' then 'cs_health_check'
        when 'unprofitable' then 'no_action'
        when 'too_small' then 'no_action'
        when 'holdout' then 'holdout'
        when 'human_channel' then 'human_outreach'
        when 'capacity_no_nudge' then 'no_action'
        else 'automated_nudge'
    end as action,
    case deciding_gate
        when 'no_scores' then 'No user of the account has an uplift score'
        when 'admin_veto' then 'An admin is predicted to react badly to a nudge (sleeping dog)'
        when 'toxic_users' then 'Too many users are predicted to react badly: route to a customer-success health check'
        when 'unprofitable' then 'Expected incremental value does not cover the cost of a nudge'
        when 'too_small' then 'Too few scored users to act on'
        when 'holdout' then 'Randomly held out as a control group to measure the policy'
        when 'human_channel' then 'A call gains the most over the next best action: worth scarce human outreach'
        when 'capacity' then 'Worth human outreach but over this cycle''s capacity: automated nudge instead'
        when 'capacity_no_nudge' then 'Worth human outreach but over this cycle''s capacity, and a nudge does not pay'
        else 'A nudge pays, and a call would not gain more than its cost'
    end as reason,
    case
        when deciding_gate = 'human_channel' then human_cost
        when deciding_gate in ('capacity', 'automated_channel') then automated_cost
        else 0
    end as action_cost

from decided
