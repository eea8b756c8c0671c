-- A line's status is the first rule, in the seed's order, whose flag is set; a kept sale has no flag set.

with

lines as (

    select * from {{ ref('int_transactions_cleaned') }}

),

rules as (

    select * from {{ ref('cleaning_rules') }}
    where input_file = 'transactions'

),

flags as (

    {% for rule in cleaning_rule_names('transactions')[:-1] %}
        select
            transaction_line_number,
            '{{ rule }}' as rule
        from lines
        where is_{{ rule }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

first_set as (

    select
        flags.transaction_line_number,
        min_by(flags.rule, rules.rule_order) as first_rule

    from flags
    inner join rules on flags.rule = rules.rule
    group by flags.transaction_line_number

)

select
    lines.transaction_line_number,
    lines.line_status,
    first_set.first_rule

from lines
left join first_set on lines.transaction_line_number = first_set.transaction_line_number
where coalesce(first_set.first_rule, 'kept_sale') != lines.line_status
