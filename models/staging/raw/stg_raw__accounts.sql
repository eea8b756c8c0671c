with

source as (

    select * from {{ source('raw', 'accounts') }}

),

renamed as (

    select
        -- ids
        cast(account_ref as varchar) as account_ref,

        -- dimensions
        cast(plan as varchar) as plan,

        -- numerics
        cast(seats as bigint) as seats,
        cast(annual_value as double) as annual_value,

        -- timestamps
        cast(created_at as timestamp) as created_at,

        -- attributes: any further columns the source carries
        * exclude (file_row_number, account_ref, plan, seats, annual_value, created_at)

    from source

)

select * from renamed
