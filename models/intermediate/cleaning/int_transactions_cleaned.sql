-- Every raw invoice line with exactly one status: kept_sale, or the first exclusion rule it meets, in the
-- order of the seed cleaning_rules. Each rule also has its own flag, so data_quality can report how many
-- lines a rule matches on its own as well as how many it was the deciding rule for.
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

customer_ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

non_product_codes as (

    select upper(trim(stock_code)) as stock_code from {{ ref('non_product_stock_codes') }}

),

flagged as (

    select
        transactions.*,
        customer_ref_periods.customer_id,
        -- fixed-point, so sums are exact and do not depend on the order rows are added in
        cast(transactions.quantity * transactions.unit_price as decimal(18, 4)) as line_value,

        -- one flag per rule, each evaluated on its own
        coalesce(
            transactions.invoice_ref is null
            or transactions.stock_code is null
            or transactions.quantity is null
            or transactions.unit_price is null
            or transactions.invoiced_at is null
            or transactions.quantity = 0,
            false
        ) as is_malformed,
        row_number() over (
            partition by
                transactions.invoice_ref,
                transactions.stock_code,
                transactions.description,
                transactions.quantity,
                transactions.unit_price,
                transactions.invoiced_at,
                transactions.customer_ref,
                transactions.country
            order by transactions.transaction_line_number
        ) > 1 as is_exact_duplicate,
        coalesce(upper(transactions.invoice_ref) like 'C%', false) as is_cancellation_invoice,
        coalesce(transactions.quantity < 0, false) as is_return,
        non_product_codes.stock_code is not null as is_non_product_code,
        coalesce(transactions.unit_price <= 0, false) as is_non_positive_price,
        transactions.customer_ref is null as is_missing_customer,
        transactions.customer_ref is not null
        and customer_ref_periods.customer_id is null as is_unknown_customer

    from transactions
    left join non_product_codes
        on upper(trim(transactions.stock_code)) = non_product_codes.stock_code
    {{ join_customer_ref_period('transactions.customer_ref', 'transactions.invoiced_at') }}

),

statused as (

    select
        *,
        case
            when is_malformed then 'malformed'
            when is_exact_duplicate then 'exact_duplicate'
            when is_cancellation_invoice then 'cancellation_invoice'
            when is_return then 'return'
            when is_non_product_code then 'non_product_code'
            when is_non_positive_price then 'non_positive_price'
            when is_missing_customer then 'missing_customer'
            when is_unknown_customer then 'unknown_customer'
            else 'kept_sale'
        end as line_status

    from flagged

)

select
    *,
    line_status = 'kept_sale' as is_kept_sale

from statused
