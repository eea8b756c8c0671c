-- The deployable list: accounts to act on this cycle, ranked by net value, with the cumulative share of
-- the list's total net value.
with

actions as (

    select * from {{ ref('account_actions') }}
    where action in ('human_outreach', 'automated_nudge')

),

ranked as (

    select
        account_id,
        account_ref,
        action,
        reason,
        scored_users,
        expected_value,
        action_cost,
        net_value,
        row_number() over (order by net_value desc, account_id asc) as target_rank

    from actions

)

select
    *,
    sum(net_value) over (order by target_rank rows between unbounded preceding and current row)
    / nullif(sum(net_value) over (), 0) as cumulative_value_share

from ranked
