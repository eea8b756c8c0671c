with

source as (

    select * from {{ raw_source('accounts') }}

),

renamed as (

    select
        -- ids
        cast(account_ref as {{ dbt.type_string() }}) as account_ref,

        -- dimensions
        cast(plan as {{ dbt.type_string() }}) as plan,

        -- numerics
        cast(seats as bigint) as seats,
        cast(annual_value as double) as annual_value,

        -- timestamps
        {{ stated_timestamp('accounts', 'created_at') }} as created_at,

        -- attributes: any further columns the source carries
        {{ star_except(['file_row_number', 'account_ref', 'plan', 'seats', 'annual_value', 'created_at']) }}

    from source

)

select * from renamed
