with

source as (

    select * from {{ raw_source('treatments') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as treatment_row_number,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,

        -- dimensions
        cast(arm as {{ dbt.type_string() }}) as arm,
        cast(channel as {{ dbt.type_string() }}) as channel,

        -- booleans
        cast(eligible as boolean) as is_eligible,
        cast(treated as boolean) as is_treated,

        -- timestamps
        {{ stated_timestamp('treatments', 'treated_at') }} as treated_at

    from source

)

select * from renamed
