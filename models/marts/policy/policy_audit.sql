-- The policy against the truth (simulated worlds and case studies that publish it): per action and true
-- archetype, customers, accounts, mean predicted and true uplift; and, on every row, the rank correlation of
-- predicted with true uplift (per customer, and per account of the net value of a nudge) and how many true
-- sleeping dogs sit inside targeted accounts.
-- Zero rows when the input carries no truth.
with

customers as (

    select * from {{ ref('int_customer_policy_exposure') }}
    where true_archetype is not null

),

ranked as (

    select
        *,
        rank() over (order by predicted_uplift) as predicted_rank,
        rank() over (order by true_uplift) as true_rank

    from customers

),

account_values as (

    -- net value of nudging each account's audience (the customers it reaches: all but the predicted sleeping
    -- dogs), predicted and true (the cost cancels out of the ranking only when every account has the
    -- same size, so it is kept)
    select
        account_id,
        -- fixed-point sums (and means below): a float sum varies in its last bits with the order rows are
        -- added in, which would move near-ties in the ranks and the means
        coalesce({{ valued_sum('predicted_uplift', 'is_in_nudge_audience') }}, 0)
        - count(*) filter (where is_in_nudge_audience) * {{ renamed_var('cost_per_automated_customer') }}
            as predicted_net_value,
        coalesce({{ valued_sum('true_uplift', 'is_in_nudge_audience') }}, 0)
        - count(*) filter (where is_in_nudge_audience) * {{ renamed_var('cost_per_automated_customer') }}
            as true_net_value

    from customers
    group by account_id

),

account_ranked as (

    select
        rank() over (order by predicted_net_value) as predicted_rank,
        rank() over (order by true_net_value) as true_rank

    from account_values

),

accounts_overall as (

    select
        (
            count(*) * sum(predicted_rank * true_rank) - sum(predicted_rank) * sum(true_rank)
        ) / sqrt(
            cast(count(*) * sum(predicted_rank * predicted_rank) - sum(predicted_rank) * sum(predicted_rank) as double)
            * cast(count(*) * sum(true_rank * true_rank) - sum(true_rank) * sum(true_rank) as double)
        ) as account_net_rank_correlation

    from account_ranked

),

overall as (

    select
        -- Pearson's r of the ranks from exact integer sums: the same value whatever order the rows come in
        (
            count(*) * sum(predicted_rank * true_rank) - sum(predicted_rank) * sum(true_rank)
        ) / sqrt(
            cast(count(*) * sum(predicted_rank * predicted_rank) - sum(predicted_rank) * sum(predicted_rank) as double)
            * cast(count(*) * sum(true_rank * true_rank) - sum(true_rank) * sum(true_rank) as double)
        ) as uplift_rank_correlation,
        count(*) filter (
            where action in ('human_outreach', 'automated_nudge') and true_archetype = 'sleeping_dog'
        ) as true_sleeping_dogs_in_targeted_accounts

    from ranked

),

by_cell as (

    select
        coalesce(action, 'unscored') as action,
        true_archetype,
        count(*) as customers,
        -- the customers the account's action reaches (a nudge spares the predicted sleeping dogs)
        count(*) filter (where is_targeted) as reached_customers,
        count(distinct account_id) as accounts,
        cast(avg(cast(predicted_uplift as decimal(38, 10))) as double) as mean_predicted_uplift,
        cast(avg(cast(true_uplift as decimal(38, 10))) as double) as mean_true_uplift

    from customers
    group by coalesce(action, 'unscored'), true_archetype

)

select
    by_cell.action || ':' || by_cell.true_archetype as audit_cell_id,
    by_cell.*,
    overall.uplift_rank_correlation,
    accounts_overall.account_net_rank_correlation,
    overall.true_sleeping_dogs_in_targeted_accounts,

    -- deprecated: the former names of customers and reached_customers, kept for one release
    by_cell.customers as users,
    by_cell.reached_customers as reached_users

from by_cell
cross join overall
cross join accounts_overall
