with

source as (

    select * from {{ raw_source('outcomes') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as outcome_row_number,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,

        -- numerics
        cast(revenue as double) as revenue,

        -- booleans
        cast(converted as boolean) as is_converted,
        cast(churned as boolean) as is_churned,

        -- timestamps
        {{ stated_timestamp('outcomes', 'outcome_at') }} as outcome_at,

        -- further outcomes the source carries (e.g. visited), as given
        {{ star_except([
            'file_row_number', 'campaign_id', 'customer_ref', 'revenue', 'converted', 'churned', 'outcome_at'
        ]) }}

    from source

)

select * from renamed
