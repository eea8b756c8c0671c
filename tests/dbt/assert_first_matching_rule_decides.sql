-- A line's status is the first rule, in seed order, whose flag is set; a kept sale has no flag set.
with

lines as (

    select * from {{ ref('int_transactions_cleaned') }}

),

rules as (

    select * from {{ ref('cleaning_rules') }}
    where input_file = 'transactions'

),

flags as (

    select
        transaction_line_number,
        line_status,
        flag.rule,
        flag.is_set

    from lines,
        unnest([
            {rule: 'malformed', is_set: is_malformed},
            {rule: 'exact_duplicate', is_set: is_exact_duplicate},
            {rule: 'cancellation_invoice', is_set: is_cancellation_invoice},
            {rule: 'return', is_set: is_return},
            {rule: 'non_product_code', is_set: is_non_product_code},
            {rule: 'non_positive_price', is_set: is_non_positive_price},
            {rule: 'missing_customer', is_set: is_missing_customer},
            {rule: 'unknown_customer', is_set: is_unknown_customer}
        ]) as flag_list (flag)

),

first_set as (

    select
        flags.transaction_line_number,
        flags.line_status,
        min_by(flags.rule, rules.rule_order) filter (where flags.is_set) as first_rule

    from flags
    inner join rules on flags.rule = rules.rule
    group by flags.transaction_line_number, flags.line_status

)

select *
from first_set
where coalesce(first_rule, 'kept_sale') != line_status
