with

source as (

    select * from {{ raw_source_or_empty('uplift_scores') }}

),

renamed as (

    select
        -- ids
        cast(customer_ref as varchar) || '|' || coalesce(cast(campaign_id as varchar), '')
        || '|' || coalesce(cast(arm as varchar), '') as uplift_score_id,
        cast(customer_ref as varchar) as customer_ref,
        cast(campaign_id as varchar) as campaign_id,
        cast(arm as varchar) as arm,

        -- numerics
        cast(predicted_uplift as double) as predicted_uplift,

        -- timestamps
        cast(scored_at as timestamp) as scored_at

    from source

)

select * from renamed
