-- Per input file and cleaning rule: how many raw rows the rule decided (first match in rule order),
-- how many it matches on its own, and the sales value involved. Per input, the rows_assigned add up
-- to the raw row count (tested).
with

rules as (

    select * from {{ ref('cleaning_rules') }}

),

transactions as (

    select * from {{ ref('int_transactions_cleaned') }}

),

activity as (

    select * from {{ ref('int_activity_cleaned') }}

),

customer_records as (

    select * from {{ ref('int_customer_records_keyed') }}

),

assigned as (

    select
        'transactions' as input_file,
        line_status as rule,
        count(*) as rows_assigned,
        sum(line_value) as value_assigned
    from transactions
    group by line_status

    union all

    select
        'activity' as input_file,
        row_status as rule,
        count(*) as rows_assigned,
        null as value_assigned
    from activity
    group by row_status

    union all

    select
        'customers' as input_file,
        case when is_duplicate_record then 'duplicate_record' else 'kept_record' end as rule,
        count(*) as rows_assigned,
        null as value_assigned
    from customer_records
    group by is_duplicate_record

),

transaction_flags as (

    select * from (
        select
            count(*) filter (where is_malformed) as malformed,
            count(*) filter (where is_exact_duplicate) as exact_duplicate,
            count(*) filter (where is_cancellation_invoice) as cancellation_invoice,
            count(*) filter (where is_return) as return,
            count(*) filter (where is_non_product_code) as non_product_code,
            count(*) filter (where is_non_positive_price) as non_positive_price,
            count(*) filter (where is_missing_customer) as missing_customer,
            count(*) filter (where is_unknown_customer) as unknown_customer,
            count(*) filter (where is_kept_sale) as kept_sale
        from transactions
    ) unpivot (rows_flagged for rule in (
        malformed, exact_duplicate, cancellation_invoice, return, non_product_code,
        non_positive_price, missing_customer, unknown_customer, kept_sale
    ))

),

activity_flags as (

    select * from (
        select
            count(*) filter (where is_malformed) as malformed,
            count(*) filter (where is_exact_duplicate) as exact_duplicate,
            count(*) filter (where is_unknown_customer) as unknown_customer,
            count(*) filter (where is_kept_activity) as kept_activity
        from activity
    ) unpivot (rows_flagged for rule in (malformed, exact_duplicate, unknown_customer, kept_activity))

),

flags as (

    select 'transactions' as input_file, rule, rows_flagged from transaction_flags
    union all
    select 'activity' as input_file, rule, rows_flagged from activity_flags
    union all
    select 'customers' as input_file, rule, rows_assigned as rows_flagged
    from assigned
    where input_file = 'customers'

),

input_totals as (

    select
        input_file,
        sum(rows_assigned) as input_rows

    from assigned
    group by input_file

),

final as (

    select
        -- ids
        rules.input_file || ':' || rules.rule as data_quality_rule_id,
        rules.input_file,
        rules.rule,

        -- dimensions
        rules.rule_order,
        rules.line_status as row_outcome,
        rules.description,

        -- numerics
        coalesce(assigned.rows_assigned, 0) as rows_assigned,
        coalesce(flags.rows_flagged, 0) as rows_flagged,
        coalesce(input_totals.input_rows, 0) as input_rows,
        coalesce(assigned.rows_assigned, 0) / nullif(input_totals.input_rows, 0) as share_of_input_rows,
        case when rules.input_file = 'transactions' then coalesce(assigned.value_assigned, 0) end
            as value_assigned

    from rules
    left join assigned
        on rules.input_file = assigned.input_file and rules.rule = assigned.rule
    left join flags
        on rules.input_file = flags.input_file and rules.rule = flags.rule
    left join input_totals
        on rules.input_file = input_totals.input_file

)

select * from final
