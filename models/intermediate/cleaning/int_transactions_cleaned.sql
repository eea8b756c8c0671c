-- Every raw invoice line with exactly one status: kept_sale or the first exclusion rule it meets (in the
-- seed cleaning_rules' order, macro cleaning_status); each rule is a flag of its own, for data_quality.
-- Incremental on DuckDB: a rebuild statuses only the lines appended since the last one (incremental_cleaning;
-- cleaning_watermark and restatus_when_cancellations_now_match say when every line is restatused instead).
{%- set non_product_codes_fingerprint -%}
    (select bit_xor(hash(upper(trim(stock_code)))) from {{ ref('non_product_stock_codes') }})
{%- endset -%}
{%- set cleaning = incremental_cleaning(
    'transactions',
    ref('stg_raw__transactions'),
    'transaction_line_number',
    duplicate_key=['invoice_ref', 'stock_code', 'description', 'quantity', 'unit_price', 'invoiced_at',
                   'customer_ref', 'country'],
    fingerprint_inputs=[non_product_codes_fingerprint]
) -%}
{%- do restatus_when_cancellations_now_match(cleaning) %}
{#- NaN, infinite or too large for the fixed-point line value (DECIMAL(18, 4) holds below 1e14) -#}
{%- set invalid_number -%}
    coalesce(
        transactions.is_quantity_out_of_range
        or not {{ is_finite_number('transactions.unit_price') }}
        or abs(transactions.quantity * transactions.unit_price) >= 1e14,
        false
    )
{%- endset -%}
{%- set plausible = plausible_date_bounds() -%}
{%- set rules = {} %}

with

transactions as (

    {{ cleaning_new_lines(cleaning) }}

),
{{ duplicate_copies(cleaning) }}

customer_ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

non_product_codes as (

    -- a code, or a pattern the whole code must match, any case ((?i): upper-casing would turn \d into \D)
    select '(?i)' || trim(stock_code) as code_pattern from {{ ref('non_product_stock_codes') }}

),

non_product_codes_seen as (

    -- the distinct codes of these lines that a code or pattern of the seed matches, once each
    select distinct codes_seen.stock_code

    from (
        select distinct upper(trim(stock_code)) as stock_code
        from transactions
        where stock_code is not null
    ) as codes_seen
    inner join non_product_codes
        on {{ regex_full_match('codes_seen.stock_code', 'non_product_codes.code_pattern') }}

),

flagged as (

    select
        transactions.*,
        customer_ref_periods.customer_id,
        -- fixed-point, so sums are exact and do not depend on the order rows are added in
        case
            when not {{ invalid_number }}
                then cast(transactions.quantity * transactions.unit_price as decimal(18, 4))
        end as line_value,

        -- one flag per rule, each evaluated on its own; rule_flag names it and declares the rule
        coalesce(
            transactions.invoice_ref is null
            or transactions.stock_code is null
            or (transactions.quantity is null and not transactions.is_quantity_out_of_range)
            or transactions.unit_price is null
            or transactions.invoiced_at is null
            or transactions.quantity = 0,
            false
        ) as {{ rule_flag(rules, 'malformed') }},
        {{ invalid_number }} as {{ rule_flag(rules, 'invalid_number') }},
        {{ is_implausible_date('transactions.invoiced_at') }} as {{ rule_flag(rules, 'implausible_date') }},
        {{ exact_duplicate_condition(cleaning) }} as {{ rule_flag(rules, 'exact_duplicate') }},
        coalesce(upper(transactions.invoice_ref) like 'C%', false) as {{ rule_flag(rules, 'cancellation_invoice') }},
        coalesce(transactions.quantity < 0, false) and transactions.customer_ref is null
            as {{ rule_flag(rules, 'stock_write_off') }},
        coalesce(transactions.quantity < 0, false) as {{ rule_flag(rules, 'return') }},
        non_product_codes_seen.stock_code is not null as {{ rule_flag(rules, 'non_product_code') }},
        coalesce(transactions.unit_price <= 0, false) as {{ rule_flag(rules, 'non_positive_price') }},
        transactions.customer_ref is null as {{ rule_flag(rules, 'missing_customer') }},
        transactions.customer_ref is not null
        and customer_ref_periods.customer_id is null as {{ rule_flag(rules, 'unknown_customer') }}

    from transactions
    left join non_product_codes_seen
        on upper(trim(transactions.stock_code)) = non_product_codes_seen.stock_code
    {{ join_customer_ref_period('transactions.customer_ref', 'transactions.invoiced_at') }}
    {{ join_duplicate_copies(cleaning) }}

),

{%- set sale_rules = rules.values() | list %}

cancelled_products as (

    -- the customer and product of each cancellation: the only pairs whose first kept sale is looked up
    select distinct
        customer_id,
        upper(trim(stock_code)) as product_code
    from flagged
    where is_cancellation_invoice and customer_id is not null

),

first_kept_sales as (

    -- each customer's first kept sale of each product they cancelled, here and in lines statused before
    select
        cancelled_products.customer_id,
        cancelled_products.product_code,
        min(kept_sales.invoiced_at) as first_kept_sale_at

    from (
        select
            customer_id,
            stock_code,
            invoiced_at
        from flagged
        where not ({{ sale_rules | join(' or ') }})
        {%- if cleaning.built_up_to is not none %}
            union all
            select
                customer_id,
                stock_code,
                invoiced_at
            from {{ this }}
            where is_kept_sale
        {%- endif %}
    ) as kept_sales
    inner join cancelled_products
        on
            kept_sales.customer_id = cancelled_products.customer_id
            and upper(trim(kept_sales.stock_code)) = cancelled_products.product_code
    group by cancelled_products.customer_id, cancelled_products.product_code

),

matched as (

    select
        flagged.*,
        flagged.is_cancellation_invoice
        and flagged.customer_id is not null
        and coalesce(first_kept_sales.first_kept_sale_at > flagged.invoiced_at, true)
            as {{ rule_flag(rules, 'unmatched_cancellation') }}

    from flagged
    left join first_kept_sales
        on
            flagged.customer_id = first_kept_sales.customer_id
            and upper(trim(flagged.stock_code)) = first_kept_sales.product_code

),

statused as (

    select
        *,
        {{ cleaning_status('transactions', rules) }} as line_status

    from matched

)

select
    *,
    line_status = 'kept_sale' as is_kept_sale,
    -- which column broke which rule, for the rules whose reason is not obvious from the status
    case
        when line_status = 'invalid_number' and is_quantity_out_of_range
            then 'quantity: beyond BIGINT'
        when line_status = 'invalid_number' and not {{ is_finite_number('unit_price') }}
            then 'unit_price: not a finite number (' || cast(unit_price as {{ dbt.type_string() }}) || ')'
        when line_status = 'invalid_number'
            then 'quantity x unit_price: line value of 1e14 or more'
        when line_status = 'implausible_date'
            then
                'invoiced_at: ' || coalesce(cast(invoiced_at as {{ dbt.type_string() }}), 'null')
                || ' outside ' || cast({{ plausible[0] }} as {{ dbt.type_string() }})
                || ' to ' || cast({{ plausible[1] }} as {{ dbt.type_string() }})
    end as status_detail,
    ({{ cleaning.inputs_fingerprint }}) as inputs_fingerprint

from statused
