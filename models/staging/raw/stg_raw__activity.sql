with

source as (

    select * from {{ raw_source('activity') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as activity_row_number,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,

        -- numerics
        cast(sessions as bigint) as sessions,
        cast(actions as bigint) as actions,
        cast(active_minutes as double) as active_minutes,

        -- dates
        cast(activity_date as date) as activity_date

    from source

)

select * from renamed
