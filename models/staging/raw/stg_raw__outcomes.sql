with

source as (

    select * from {{ source('raw', 'outcomes') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as outcome_row_number,
        cast(campaign_id as varchar) as campaign_id,
        cast(customer_ref as varchar) as customer_ref,

        -- numerics
        cast(revenue as double) as revenue,

        -- booleans
        cast(converted as boolean) as is_converted,
        cast(churned as boolean) as is_churned,

        -- timestamps
        cast(outcome_at as timestamp) as outcome_at,

        -- further outcomes the source carries (e.g. visited), as given
        * exclude (file_row_number, campaign_id, customer_ref, revenue, converted, churned, outcome_at)

    from source

)

select * from renamed
