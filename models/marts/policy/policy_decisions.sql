-- One row per customer the policy acts on or holds out: what to export before a cycle runs
-- (earmark export-decisions) and what the readback (policy_readback) compares with afterwards.
-- The holdout gate is drawn before the channel gates (int_account_policy_gates), so a held-out account
-- has no channel of its own: it gets the one it would have got, by the same rules the channel gates
-- apply to the accounts left in (a call when it covers human outreach and capacity was not reached or
-- its gain reaches that of the last account called; over capacity, a nudge when the nudge pays; else
-- the nudge). Targeted and
-- held-out customers of a channel are then random parts of the same population.
-- A call reaches every scored customer of the account, a nudge its audience (int_customer_policy_uplift).
-- Each customer is contacted through one raw reference: the lowest of those it currently owns.
with

accounts as (

    select * from {{ ref('account_actions') }}

),

customers as (

    select * from {{ ref('int_customer_policy_uplift') }}

),

ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

call_threshold as (

    -- the gain the last account called reached (null when nothing was called), and whether capacity
    -- was reached: below it, every account that covers human outreach is called
    select
        min(human_gain) as min_called_gain,
        count(*) as called_accounts

    from accounts
    where action = 'human_outreach'

),

planned as (

    select
        accounts.account_id,
        accounts.deciding_gate = 'holdout' as is_holdout,
        case
            when accounts.deciding_gate != 'holdout' then accounts.action
            when
                accounts.covers_human_outreach
                and (
                    {{ 'true' if var('human_capacity') is none else 'false' }}
                    or call_threshold.called_accounts < {{ var('human_capacity') or 0 }}
                    or accounts.human_gain >= call_threshold.min_called_gain
                )
                then 'human_outreach'
            when accounts.covers_human_outreach and accounts.expected_value - accounts.automated_cost <= 0
                then 'no_action'
            else 'automated_nudge'
        end as action

    from accounts
    cross join call_threshold
    where accounts.action in ('human_outreach', 'automated_nudge', 'holdout')

),

current_refs as (

    select
        customer_id,
        min(customer_ref) as customer_ref

    from ref_periods
    where valid_to >= cast('9999-12-31' as timestamp)
    group by customer_id

),

final as (

    select
        -- ids
        customers.customer_id,
        current_refs.customer_ref,
        customers.account_id,

        -- decision
        planned.action,
        case planned.action when 'human_outreach' then 'human' else 'automated' end as channel,
        planned.is_holdout,

        -- the policy's estimate of what its action does to the customer (a call without call evidence is
        -- assumed to do what the nudge does, as in int_account_uplift_rollup)
        case planned.action
            when 'human_outreach' then coalesce(customers.predicted_call_uplift, customers.predicted_uplift)
            else customers.predicted_uplift
        end as predicted_uplift

    from planned
    inner join customers on planned.account_id = customers.account_id
    inner join current_refs on customers.customer_id = current_refs.customer_id
    where
        planned.action = 'human_outreach'
        or (planned.action = 'automated_nudge' and customers.is_in_nudge_audience)

)

select * from final
