-- The account policy: every account passes the gates of seed policy_gates in the seed's order and gets
-- the action of the first gate that holds (macro first_matching_rule); the seed also gives each gate's
-- action and reason. Each gate's condition is here, once:
--   no_scores          no scored customer: nothing to decide on
--   admin_veto         an admin is a predicted sleeping dog (int_customer_policy_uplift)
--   toxic_customers    sleeping-dog share > toxic_customer_share (customer success first)
--   unprofitable       neither a nudge nor a call is worth its cost
--   too_small          an account (not a customer without one) with fewer scored customers than
--                      min_account_customers
--   holdout            a seeded random holdout_share of the accounts still eligible, drawn within blocks
--                      of ceil(1 / holdout_share) accounts of like net value (stratified), so the
--                      holdout carries its share of the value, not a lucky or unlucky part of it
--   human_channel      a call nets more than the next best action (a nudge, or nothing) and no admin is
--                      predicted to be hurt (covers_human_outreach), and the account is among the
--                      human_capacity candidates with the highest gain of a call over the next best action.
--                      A call is a conversation with the account's decision-makers, and an annoyed admin
--                      hurts the whole account, so the scarce channel is the cautious one: no admin with
--                      evidence of harm from a call, and no admin whose predicted effect of either channel
--                      is below zero (point predictions, which the evidence rule would let through)
--   capacity           a candidate over capacity falls back to a nudge when it pays ...
--   capacity_no_nudge  ... else to nothing
--   automated_channel  the seed's last gate: every account left gets the nudge
-- The flag gates (no_scores to holdout) come before the channel gates, which rank the accounts they leave
-- (checked at the end): the holdout is drawn before capacity so no human slot goes to an account that is
-- then held out.
{%- set gates = seed_rules('policy_gates', 'gate', 'gate_order') %}
{%- set gate_names = gates | map(attribute='gate') | list %}
{%- set flag_gates = {} %}
{#- the channel gates' conditions, on the capacity ranking of the accounts no flag gate decided -#}
{%- set channel_gates = {
    'human_channel': 'human_rank is not null' ~ (
        ' and human_rank <= ' ~ var('human_capacity') if var('human_capacity') is not none else ''
    ),
    'capacity': 'human_rank is not null and nudge_net_value > 0',
    'capacity_no_nudge': 'human_rank is not null',
} %}

with

accounts as (

    select * from {{ ref('int_account_uplift_rollup') }}

),

flagged as (

    select
        *,
        scored_customers = 0 as {{ rule_flag(flag_gates, 'no_scores') }},
        sleeping_dog_admins > 0 as {{ rule_flag(flag_gates, 'admin_veto') }},
        coalesce(sleeping_dog_share > {{ renamed_var('toxic_customer_share') }}, false)
            as {{ rule_flag(flag_gates, 'toxic_customers') }},
        expected_value - automated_cost as nudge_net_value,
        human_value - human_cost as human_net_value,
        expected_value - automated_cost <= 0 and coalesce(human_value - human_cost <= 0, true)
            as {{ rule_flag(flag_gates, 'unprofitable') }},
        -- a customer without an account (consumer data) is its own account: the size gate is for accounts
        account_ref is not null and scored_customers < {{ renamed_var('min_account_customers') }}
            as {{ rule_flag(flag_gates, 'too_small') }},
        -- what acting on the account is worth at best: the holdout's strata are drawn on it
        greatest(
            expected_value - automated_cost, coalesce(human_value - human_cost, expected_value - automated_cost)
        ) as best_net_value,
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

{#- the holdout is drawn among the accounts no earlier flag gate of the seed decided -#}
{%- set before_holdout = [] %}
{#- (at parse time the seed is not read: no gates) -#}
{%- for gate in gate_names[:gate_names.index('holdout') if 'holdout' in gate_names else 0] if gate in flag_gates %}
    {%- do before_holdout.append(flag_gates[gate]) %}
{%- endfor %}

holdout_drawn as (

    {{ stratified_holdout_draw(
        'flagged', 'not (' ~ ((before_holdout | join(' or ')) or 'false') ~ ')', 'best_net_value',
        var('holdout_share'), var('policy_seed')
    ) }}

),

with_holdout as (

    select
        flagged.*,
        coalesce(holdout_drawn.is_held_out, false) as {{ rule_flag(flag_gates, 'holdout', 'is_holdout_draw') }}

    from flagged
    left join holdout_drawn on flagged.account_id = holdout_drawn.account_id

),

gated as (

    select
        *,
        {{ first_matching_rule(gate_names | select('in', flag_gates) | list, flag_gates) }} as suppressing_gate

    from with_holdout

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
            {{ first_matching_rule(gate_names | reject('in', flag_gates) | list, channel_gates) }}
        ) as deciding_gate

    from ranked

),

labelled as (

    select
        *,
        {{ seed_label('deciding_gate', gates, 'gate', 'action') }} as action,
        {{ seed_label('deciding_gate', gates, 'gate', 'reason') }} as reason

    from decided

)

select
    *,
    case action
        when 'human_outreach' then human_cost
        when 'automated_nudge' then automated_cost
        else 0
    end as action_cost

from labelled
{#- every gate of the seed has its condition here; the channel gates rank what the flag gates leave -#}
{%- do assert_rules_match_seed('policy_gates', none, gate_names, dict(flag_gates, **channel_gates)) %}
{%- set channel_order = gate_names | reject('in', flag_gates) | list %}
{%- if channel_order %}
    {%- for gate in gate_names[gate_names.index(channel_order[0]) + 1:] if gate in flag_gates %}
        {{ exceptions.raise_compiler_error(
            "seed policy_gates puts gate '" ~ gate ~ "' after '" ~ channel_order[0] ~ "', but " ~ model.name
            ~ " ranks the accounts for the channel gates (" ~ channel_gates.keys() | join(', ') ~ ") among "
            ~ "those every flag gate (" ~ flag_gates.keys() | join(', ') ~ ") let through: the flag gates come "
            ~ "first"
        ) }}
    {%- endfor %}
{%- endif %}
