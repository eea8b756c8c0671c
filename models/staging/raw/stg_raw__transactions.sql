with

source as (

    select * from {{ raw_source('transactions') }}

),

renamed as (

    select
        -- ids
        file_row_number + 1 as transaction_line_number,
        cast(invoice_ref as {{ dbt.type_string() }}) as invoice_ref,
        cast(stock_code as {{ dbt.type_string() }}) as stock_code,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,

        -- dimensions
        cast(description as {{ dbt.type_string() }}) as description,
        cast(country as {{ dbt.type_string() }}) as country,

        -- numerics
        -- a quantity beyond BIGINT (a UBIGINT or HUGEINT column) is null here and flagged below
        try_cast(quantity as bigint) as quantity,
        cast(unit_price as double) as unit_price,

        -- booleans
        quantity is not null and try_cast(quantity as bigint) is null as is_quantity_out_of_range,

        -- timestamps
        {{ stated_timestamp('transactions', 'invoiced_at') }} as invoiced_at

    from source

)

select * from renamed
