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
        -- counts beyond BIGINT (a UBIGINT or HUGEINT column) are null here and flagged below
        try_cast(sessions as bigint) as sessions,
        try_cast(actions as bigint) as actions,
        cast(active_minutes as double) as active_minutes,

        -- booleans
        (sessions is not null and try_cast(sessions as bigint) is null)
        or (actions is not null and try_cast(actions as bigint) is null) as is_count_out_of_range,

        -- dates
        cast({{ stated_timestamp('activity', 'activity_date') }} as date) as activity_date

    from source

)

select * from renamed
