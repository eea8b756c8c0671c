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

{{ pre_reference_covariates('assignments', 'treatment_row_number', 'treated_at') }},

final as (

    select
        -- ids
        assignments.treatment_row_number,
        assignments.campaign_id,
        assignments.customer_id,
        -- the unit cross-fitting keeps together: an account's customers share its context and, in an
        -- account-level campaign, its assignment, so they are never split between training and scoring
        coalesce(customers.account_ref, 'solo:' || assignments.customer_id) as fold_group,

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

        -- covariates, all from before treated_at (macro pre_reference_covariates)
        pre_reference_covariates.pre_recency_days,
        pre_reference_covariates.pre_frequency,
        pre_reference_covariates.pre_monetary,
        pre_reference_covariates.pre_spend_30_days,
        pre_reference_covariates.pre_active_days_30,
        pre_reference_covariates.pre_actions,
        pre_reference_covariates.pre_intensity,
        pre_reference_covariates.pre_activity_momentum,
        pre_reference_covariates.pre_tenure_days,
        pre_reference_covariates.is_admin,
        pre_reference_covariates.pre_last_purchase_at,
        pre_reference_covariates.pre_last_active_date,
        pre_reference_covariates.pre_account_customers,
        pre_reference_covariates.pre_account_active_days_30,
        pre_reference_covariates.pre_account_activity_momentum,
        pre_reference_covariates.pre_account_admin_intensity,

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
    left join pre_reference_covariates
        on assignments.treatment_row_number = pre_reference_covariates.treatment_row_number
    left join customers on assignments.customer_id = customers.customer_id

)

select * from final
