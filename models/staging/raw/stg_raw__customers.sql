with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as customer_row_number,
        cast(customer_ref as varchar) as customer_ref,
        cast(email as varchar) as email,
        cast(account_ref as varchar) as account_ref,

        -- dimensions
        cast(role as varchar) as role,
        cast(country as varchar) as country,

        -- booleans
        cast(is_premium as boolean) as is_premium,

        -- timestamps
        cast(signup_at as timestamp) as signup_at,

        -- attributes: any further columns the source carries, kept for use as covariates
        * exclude (
            file_row_number, customer_ref, email, account_ref, role, country, is_premium, signup_at
        )

    from source

)

select * from renamed
