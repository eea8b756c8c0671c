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
        scored_customers,
        expected_value,
        action_cost,
        net_value,
        row_number() over (order by net_value desc, account_id asc) as target_rank

    from actions

)

select
    *,
    -- fixed-point sums: a float sum varies in its last bits with the order rows are added in
    cast(
        sum(cast(net_value as decimal(38, 10))) over (
            order by target_rank rows between unbounded preceding and current row
        ) as double
    )
    / nullif(cast(sum(cast(net_value as decimal(38, 10))) over () as double), 0) as cumulative_value_share,

    -- deprecated: the former name of scored_customers, kept for one release
    scored_customers as scored_users

from ranked
