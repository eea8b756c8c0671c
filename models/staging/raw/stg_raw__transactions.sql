with

source as (

    select * from {{ source('raw', 'transactions') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as transaction_line_number,
        cast(invoice_ref as varchar) as invoice_ref,
        cast(stock_code as varchar) as stock_code,
        cast(customer_ref as varchar) as customer_ref,

        -- dimensions
        cast(description as varchar) as description,
        cast(country as varchar) as country,

        -- numerics
        cast(quantity as bigint) as quantity,
        cast(unit_price as double) as unit_price,

        -- timestamps
        cast(invoiced_at as timestamp) as invoiced_at

    from source

)

select * from renamed
