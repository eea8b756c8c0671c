-- Purchase behaviour per resolved customer from kept sales before the as-of date, with the value of the
-- customer's cancellation and return lines netted into monetary (not an unmatched cancellation, whose
-- purchase predates the data, nor a credit on a non-product code: cleaning gives those their own status).
with

lines as (

    select * from {{ ref('int_transactions_cleaned') }}

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

dated_lines as (

    select
        lines.customer_id,
        lines.invoice_ref,
        lines.stock_code,
        lines.line_value,
        lines.line_status,
        lines.invoiced_at,
        as_of.as_of_date,
        cast(lines.invoiced_at as date) as invoice_date

    from lines
    cross join as_of
    where
        lines.customer_id is not null
        and lines.invoiced_at < cast(as_of.as_of_date as timestamp)
        and lines.line_status in ('kept_sale', 'cancellation_invoice', 'return')

),

kept as (

    select * from dated_lines
    where line_status = 'kept_sale'

),

sales as (

    select
        customer_id,
        min(invoiced_at) as first_purchase_at,
        max(invoiced_at) as last_purchase_at,
        count(distinct invoice_ref) as frequency,
        count(*) as kept_line_count,
        sum(line_value) as gross_sales,
        sum(
            case when invoice_date >= {{ dbt.dateadd('day', -7, 'as_of_date') }} then line_value else 0 end
        ) as spend_last_7_days,
        sum(
            case
                when
                    invoice_date >= {{ dbt.dateadd('day', -37, 'as_of_date') }}
                    and invoice_date < {{ dbt.dateadd('day', -7, 'as_of_date') }}
                    then line_value
                else 0
            end
        ) as spend_prior_30_days

    from kept
    group by customer_id

),

invoices_per_product as (

    select
        customer_id,
        stock_code,
        -- on two invoices or more: the same as counting distinct invoices, with one grouping instead of two
        min(invoice_ref) != max(invoice_ref) as is_bought_again

    from kept
    group by customer_id, stock_code

),

product_repeats as (

    select
        customer_id,
        -- one row per product the customer bought: counted here, not by a second distinct aggregate
        count(stock_code) as distinct_products,
        count(*) filter (where is_bought_again) as repeated_products

    from invoices_per_product
    group by customer_id

),

spend_per_month as (

    select
        customer_id,
        {{ dbt.date_trunc('month', 'invoice_date') }} as spend_month,
        sum(line_value) as month_spend

    from kept
    group by customer_id, {{ dbt.date_trunc('month', 'invoice_date') }}

),

monthly_spend as (

    select
        customer_id,
        max(month_spend) as largest_month_spend

    from spend_per_month
    group by customer_id

),

reversals as (

    select
        customer_id,
        sum(line_value) as reversed_value,
        count(distinct case when line_status = 'cancellation_invoice' then invoice_ref end)
            as cancelled_invoices

    from dated_lines
    where line_status in ('cancellation_invoice', 'return')
    group by customer_id

),

customer_ids as (

    select customer_id from sales
    union
    select customer_id from reversals

),

joined as (

    select
        customer_ids.customer_id,
        sales.first_purchase_at,
        sales.last_purchase_at,
        coalesce(sales.frequency, 0) as frequency,
        coalesce(sales.kept_line_count, 0) as kept_line_count,
        cast(coalesce(sales.gross_sales, 0) as double) as gross_sales,
        cast(coalesce(reversals.reversed_value, 0) as double) as reversed_value,
        coalesce(reversals.cancelled_invoices, 0) as cancelled_invoices,
        coalesce(product_repeats.distinct_products, 0) as distinct_products,
        coalesce(product_repeats.repeated_products, 0) as repeated_products,
        cast(monthly_spend.largest_month_spend as double) as largest_month_spend,
        cast(coalesce(sales.spend_last_7_days, 0) as double) as spend_last_7_days,
        cast(coalesce(sales.spend_prior_30_days, 0) as double) as spend_prior_30_days,
        case
            when sales.frequency > 0
                then {{ momentum_ratio('sales.spend_last_7_days', 'sales.spend_prior_30_days') }}
        end as spend_momentum

    from customer_ids
    left join sales on customer_ids.customer_id = sales.customer_id
    left join reversals on customer_ids.customer_id = reversals.customer_id
    left join product_repeats on customer_ids.customer_id = product_repeats.customer_id
    left join monthly_spend on customer_ids.customer_id = monthly_spend.customer_id

)

select * from joined
