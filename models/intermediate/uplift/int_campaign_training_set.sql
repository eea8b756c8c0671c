-- One row per campaign assignment (campaign, customer): arm, outcomes, and covariates measured strictly
-- before the campaign reached the customer (treated_at), so no outcome leaks into a feature. Attribute
-- columns of the customers input are taken as they are (assumed fixed before the campaign).
with

treatments as (

    select * from {{ ref('stg_raw__treatments') }}

),

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

customer_ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

kept_sales as (

    select * from {{ ref('int_transactions_cleaned') }}
    where is_kept_sale

),

kept_activity as (

    select * from {{ ref('int_activity_cleaned') }}
    where is_kept_activity

),

customers as (

    select * from {{ ref('int_customers_resolved') }}

),

assignments as (

    select
        treatments.treatment_row_number,
        treatments.campaign_id,
        treatments.customer_ref,
        customer_ref_periods.customer_id,
        coalesce(treatments.arm, case when treatments.is_treated then 'treated' else 'control' end) as arm,
        treatments.is_treated,
        treatments.is_eligible,
        treatments.channel,
        treatments.treated_at

    from treatments
    {{ join_customer_ref_period('treatments.customer_ref', 'treatments.treated_at') }}

),

outcome_per_assignment as (

    select
        campaign_id,
        customer_ref,
        bool_or(is_converted) as is_converted,
        cast(sum(cast(revenue as decimal(18, 4))) as double) as revenue,
        bool_or(is_churned) as is_churned

    from outcomes
    group by campaign_id, customer_ref

),

sales_before as (

    select
        assignments.treatment_row_number,
        max(kept_sales.invoiced_at) as pre_last_purchase_at,
        count(distinct kept_sales.invoice_ref) as pre_frequency,
        cast(sum(kept_sales.line_value) as double) as pre_monetary,
        cast(sum(kept_sales.line_value) filter (
            where kept_sales.invoiced_at >= assignments.treated_at - interval 30 day
        ) as double) as pre_spend_30_days

    from assignments
    inner join kept_sales
        on
            assignments.customer_id = kept_sales.customer_id
            and assignments.treated_at > kept_sales.invoiced_at
    group by assignments.treatment_row_number

),

activity_before as (

    select
        assignments.treatment_row_number,
        max(kept_activity.activity_date) as pre_last_active_date,
        count(*) filter (
            where kept_activity.activity_date >= cast(assignments.treated_at as date) - 30
        ) as pre_active_days_30,
        sum(kept_activity.actions) filter (
            where kept_activity.activity_date >= cast(assignments.treated_at as date) - 7
        ) as pre_actions_7_days,
        sum(kept_activity.actions) filter (
            where kept_activity.activity_date >= cast(assignments.treated_at as date) - 37
            and kept_activity.activity_date < cast(assignments.treated_at as date) - 7
        ) as pre_actions_prior_30_days,
        sum(kept_activity.actions) as pre_actions,
        -- fixed-point sum: the same whatever order rows are added in
        cast(sum(cast(kept_activity.active_minutes as decimal(18, 4))) as double) as pre_active_minutes

    from assignments
    inner join kept_activity
        on
            assignments.customer_id = kept_activity.customer_id
            and kept_activity.activity_date < cast(assignments.treated_at as date)
    group by assignments.treatment_row_number

),

final as (

    select
        -- ids
        assignments.treatment_row_number,
        assignments.campaign_id,
        assignments.customer_id,

        -- assignment
        assignments.arm,
        assignments.is_treated,
        assignments.is_eligible,
        assignments.channel,
        assignments.treated_at,

        -- outcomes
        coalesce(outcome_per_assignment.is_converted, false) as is_converted,
        outcome_per_assignment.revenue,
        outcome_per_assignment.is_churned,

        -- covariates, all from before treated_at
        date_diff('day', sales_before.pre_last_purchase_at, assignments.treated_at) as pre_recency_days,
        coalesce(sales_before.pre_frequency, 0) as pre_frequency,
        coalesce(sales_before.pre_monetary, 0) as pre_monetary,
        coalesce(sales_before.pre_spend_30_days, 0) as pre_spend_30_days,
        coalesce(activity_before.pre_active_days_30, 0) as pre_active_days_30,
        coalesce(activity_before.pre_actions, 0) as pre_actions,
        case
            when activity_before.pre_active_minutes > 0
                then activity_before.pre_actions / activity_before.pre_active_minutes
        end as pre_intensity,
        case
            when activity_before.treatment_row_number is not null
                then {{ momentum_ratio(
                    'coalesce(activity_before.pre_actions_7_days, 0)',
                    'coalesce(activity_before.pre_actions_prior_30_days, 0)'
                ) }}
        end as pre_activity_momentum,
        date_diff('day', customers.first_signup_at, assignments.treated_at) as pre_tenure_days,
        coalesce(customers.is_admin, false) as is_admin,
        sales_before.pre_last_purchase_at,
        activity_before.pre_last_active_date,

        -- attributes of the customers input
        {{ customer_attribute_columns('customers', reserved=[
            'treatment_row_number', 'campaign_id', 'arm', 'is_treated', 'is_eligible', 'channel',
            'treated_at', 'is_converted', 'revenue', 'is_churned', 'pre_*'
        ]) }}

    from assignments
    left join outcome_per_assignment
        on
            assignments.campaign_id = outcome_per_assignment.campaign_id
            and assignments.customer_ref = outcome_per_assignment.customer_ref
    left join sales_before on assignments.treatment_row_number = sales_before.treatment_row_number
    left join activity_before on assignments.treatment_row_number = activity_before.treatment_row_number
    left join customers on assignments.customer_id = customers.customer_id

)

select * from final
