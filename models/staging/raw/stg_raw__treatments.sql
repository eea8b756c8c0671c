with

source as (

    select * from {{ source('raw', 'treatments') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as treatment_row_number,
        cast(campaign_id as varchar) as campaign_id,
        cast(customer_ref as varchar) as customer_ref,

        -- dimensions
        cast(arm as varchar) as arm,
        cast(channel as varchar) as channel,

        -- booleans
        cast(eligible as boolean) as is_eligible,
        cast(treated as boolean) as is_treated,

        -- timestamps
        cast(treated_at as timestamp) as treated_at

    from source

)

select * from renamed
