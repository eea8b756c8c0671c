-- Budget efficiency: accounts worth acting on, best net value first; cumulative net value against the
-- share of those accounts targeted, next to what a random order would give on average, and the share
-- that captures 80% of the value.
with

candidates as (

    -- every account that passed the safety and value gates, whatever its channel or holdout draw
    select
        account_id,
        expected_value - automated_cost as net_value

    from {{ ref('account_actions') }}
    where not (is_no_scores or is_admin_veto or is_toxic_customers or is_unprofitable or is_too_small)

),

ordered as (

    select
        account_id,
        net_value,
        row_number() over (order by net_value desc, account_id asc) as position,
        count(*) over () as total_accounts,
        -- fixed point: a float sum varies in its last bits with the order rows are added in
        cast(sum(cast(net_value as decimal(38, 10))) over () as double) as total_net_value

    from candidates

),

curve as (

    select
        position,
        account_id,
        net_value,
        position / total_accounts as share_targeted,
        cast(
            sum(cast(net_value as decimal(38, 10))) over (
                order by position rows between unbounded preceding and current row
            ) as double
        ) as cumulative_net_value,
        total_net_value * position / total_accounts as random_cumulative_net_value,
        total_net_value

    from ordered

),

first_80 as (

    select min(share_targeted) as share_for_80_percent
    from curve
    where cumulative_net_value >= 0.8 * total_net_value

)

select
    curve.position,
    curve.account_id,
    curve.net_value,
    curve.share_targeted,
    curve.cumulative_net_value,
    curve.random_cumulative_net_value,
    curve.cumulative_net_value / nullif(curve.total_net_value, 0) as cumulative_value_share,
    first_80.share_for_80_percent

from curve
cross join first_80
