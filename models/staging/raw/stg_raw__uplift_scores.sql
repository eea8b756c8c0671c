with

source as (

    select * from {{ raw_source_or_empty('uplift_scores') }}

),

renamed as (

    select
        -- ids
        cast(customer_ref as {{ dbt.type_string() }})
        || '|'
        || coalesce(cast(campaign_id as {{ dbt.type_string() }}), '')
        || '|' || coalesce(cast(arm as {{ dbt.type_string() }}), '') as uplift_score_id,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(arm as {{ dbt.type_string() }}) as arm,

        -- numerics
        cast(predicted_uplift as double) as predicted_uplift,

        -- timestamps
        {{ stated_timestamp('uplift_scores', 'scored_at') }} as scored_at

    from source

)

select * from renamed
