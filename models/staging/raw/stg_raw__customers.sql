with

source as (

    select * from {{ raw_source('customers') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as customer_row_number,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(account_ref as {{ dbt.type_string() }}) as account_ref,

        -- dimensions
        cast(role as {{ dbt.type_string() }}) as role,
        cast(country as {{ dbt.type_string() }}) as country,

        -- booleans
        cast(is_premium as boolean) as is_premium,

        -- timestamps
        {{ stated_timestamp('customers', 'signup_at') }} as signup_at,

        -- attributes: any further columns the source carries, kept for use as covariates
        {{ star_except([
            'file_row_number', 'customer_ref', 'email', 'account_ref', 'role', 'country', 'is_premium', 'signup_at'
        ]) }}

    from source

)

select * from renamed
