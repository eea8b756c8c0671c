-- One row per customer and day with a kept sale before the as-of date: what the value models count
-- (purchases per day, as BG/NBD and Gamma-Gamma are specified) and what the day was worth.
with

kept_sales as (

    select * from {{ ref('int_transactions_cleaned') }}
    where line_status = 'kept_sale'

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

purchase_days as (

    select
        -- ids
        kept_sales.customer_id,
        cast(kept_sales.invoiced_at as date) as purchase_date,

        -- numerics
        sum(kept_sales.line_value) as day_value,
        count(*) as sale_lines

    from kept_sales
    cross join as_of
    where kept_sales.invoiced_at < as_of.as_of_date
    group by kept_sales.customer_id, cast(kept_sales.invoiced_at as date)

),

keyed as (

    select
        customer_id || ':' || cast(purchase_date as {{ dbt.type_string() }}) as customer_purchase_day_id,
        *
    from purchase_days

)

select * from keyed
