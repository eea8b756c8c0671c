-- Per input file and cleaning rule: how many raw rows the rule decided (first match in rule order),
-- how many it matches on its own, and the sales value involved. Per input, the rows_assigned add up
-- to the raw row count (tested). The rules and their order come from the seed at compile time; each
-- input's last rule (kept_sale, ...) is the status of a row no rule flags.
{%- set rule_names = {} %}
{%- for input_file in ['transactions', 'activity', 'customers'] %}
    {%- do rule_names.update({input_file: cleaning_rule_names(input_file)}) %}
{%- endfor %}
{#- the customers' rule flags (int_customer_records_keyed), which it checks against the seed -#}
{%- set customer_flags = {} %}
{%- for rule in rule_names['customers'][:-1] %}
    {%- do rule_flag(customer_flags, rule) %}
{%- endfor %}

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
        {{ first_matching_rule(rule_names['customers'], customer_flags) }} as rule,
        count(*) as rows_assigned,
        null as value_assigned
    from customer_records
    group by {{ customer_flags.values() | join(', ') }}

),

rule_flags as (

    {% for input_file in ['transactions', 'activity'] %}
        {% for rule in rule_names[input_file][:-1] %}
            select
                '{{ input_file }}' as input_file,
                '{{ rule }}' as rule,
                count(*) filter (where is_{{ rule }}) as rows_flagged
            from {{ input_file }}
            union all
        {% endfor %}
    {% endfor %}
    select
        input_file,
        rule,
        rows_assigned as rows_flagged
    from assigned
    where
        rule in ('{{ rule_names['transactions'][-1] }}', '{{ rule_names['activity'][-1] }}')
        or input_file = 'customers'

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
        coalesce(rule_flags.rows_flagged, 0) as rows_flagged,
        coalesce(input_totals.input_rows, 0) as input_rows,
        coalesce(assigned.rows_assigned, 0) / nullif(input_totals.input_rows, 0) as share_of_input_rows,
        case when rules.input_file = 'transactions' then cast(coalesce(assigned.value_assigned, 0) as double) end
            as value_assigned

    from rules
    left join assigned
        on rules.input_file = assigned.input_file and rules.rule = assigned.rule
    left join rule_flags
        on rules.input_file = rule_flags.input_file and rules.rule = rule_flags.rule
    left join input_totals
        on rules.input_file = input_totals.input_file

)

select * from final
