-- One row per current resolved customer (every customer of int_customer_features, in a campaign or
-- not) with the training set's covariates measured strictly before one reference time, so a model fitted
-- on int_campaign_training_set can score today's customers. The reference is the build's as-of date
-- (int_feature_as_of_date), but never earlier than the latest treated_at of the campaigns: today cannot
-- precede a campaign already run (Causalyn's as-of date, derived from signups, falls a month before its
-- campaign; scoring there would measure everyone on older covariates than the model learned from). An
-- input with nothing dated to derive an as-of date from (Hillstrom) takes the latest treated_at too, as
-- reference_basis says.
with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

treatments as (

    select * from {{ ref('stg_raw__treatments') }}

),

customers as (

    select * from {{ ref('int_customers_resolved') }}

),

latest_treatment as (

    select max(treated_at) as latest_treated_at
    from treatments

),

reference as (

    select
        case
            when
                as_of.as_of_date is not null
                and (
                    latest_treatment.latest_treated_at is null
                    or cast(as_of.as_of_date as timestamp) >= latest_treatment.latest_treated_at
                )
                then cast(as_of.as_of_date as timestamp)
            else latest_treatment.latest_treated_at
        end as reference_at,
        case
            when
                as_of.as_of_date is not null
                and (
                    latest_treatment.latest_treated_at is null
                    or cast(as_of.as_of_date as timestamp) >= latest_treatment.latest_treated_at
                )
                then 'as_of_date'
            when latest_treatment.latest_treated_at is not null then 'latest_treated_at'
        end as reference_basis

    from as_of
    cross join latest_treatment

),

reference_rows as (

    select
        customer_features.customer_id,
        reference.reference_at,
        reference.reference_basis

    from customer_features
    cross join reference

),

{{ pre_reference_covariates('reference_rows', 'customer_id', 'reference_at') }},

final as (

    select
        -- ids
        reference_rows.customer_id,

        -- reference: the covariates are measured strictly before reference_at
        reference_rows.reference_at,
        reference_rows.reference_basis,

        -- covariates, as in int_campaign_training_set (macro pre_reference_covariates)
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
        {{ customer_attribute_columns('customers', reserved=['reference_at', 'reference_basis', 'pre_*']) }}

    from reference_rows
    inner join pre_reference_covariates on reference_rows.customer_id = pre_reference_covariates.customer_id
    left join customers on reference_rows.customer_id = customers.customer_id

)

select * from final
