-- One row per resolved customer: identity, behaviour features, RFM segment, and the segmentation outcome
-- (cluster, persona, outlier flag, treatment band).
with

features as (

    select * from {{ ref('int_customer_features') }}

),

assignments as (

    select * from {{ ref('int_segmentation_assignments') }}

),

personas as (

    select * from {{ ref('int_cluster_personas_assigned') }}

),

bands as (

    select * from {{ ref('int_customer_treatment_bands') }}

),

final as (

    select
        -- ids
        features.customer_id,
        features.account_ref,
        features.email,

        -- dimensions
        features.country,
        features.role,
        features.rfm_segment,
        features.rfm_code,

        -- segmentation
        assignments.cluster_id,
        personas.persona,
        bands.treatment_band,
        bands.treatment_band_reason,
        assignments.is_outlier,

        -- rfm
        features.recency_days,
        features.frequency,
        features.monetary,
        features.r_score,
        features.f_score,
        features.m_score,

        -- further purchase behaviour
        features.gross_sales,
        features.reversed_value,
        features.average_order_value,
        features.cancellation_rate,
        features.repeat_rate,
        features.seasonality,
        features.spend_momentum,

        -- product usage
        features.active_days,
        features.sessions,
        features.actions,
        features.active_minutes,
        features.intensity,
        features.activity_momentum,
        features.tenure_days,

        -- identity
        features.record_count,
        features.customer_ref_count,

        -- booleans
        features.is_admin,
        features.is_premium,

        -- timestamps
        features.first_signup_at,
        features.first_purchase_at,
        features.last_purchase_at,
        features.as_of_date

    from features
    left join assignments on features.customer_id = assignments.customer_id
    left join personas on assignments.cluster_id = personas.cluster_id
    left join bands on features.customer_id = bands.customer_id

)

select * from final
