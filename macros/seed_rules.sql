{#-
    Rule tables: seeds whose rows are rules tried in order, the first that holds deciding (cleaning_rules:
    a row's status; policy_gates: an account's deciding gate). A rule's condition is SQL in its model,
    declared with rule_flag or handed to first_matching_rule; its name, order and labels come from the
    seed at compile time. So no CASE repeats the seed's order, and assert_rules_match_seed stops the
    build, naming the seed and the rule, when a model and its seed disagree.
-#}

{% macro seed_rules(seed_name, name_column, order_column, group_column=none, group=none) %}
    {#- The seed's rows (those of one group, e.g. input_file 'transactions') in rule order, each a dict of
        its columns; [] while dbt only parses. A rule named twice or two rules on one order are refused:
        the first match would be ambiguous. -#}
    {#- The caller refs the seed, so dbt build seeds it first and lineage shows it; not in a unit test,
        whose given inputs would then have to include the seed. -#}
    {%- if model.resource_type != 'unit_test' -%}
        {%- do ref(seed_name) -%}
    {%- endif -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set where = 'seed ' ~ seed_name ~ (' for ' ~ group_column ~ ' ' ~ group if group_column else '') -%}
    {%- set table = run_query(seed_file_query(seed_name, order_column)) -%}
    {%- set rows, names, orders = [], [], [] -%}
    {%- for row in table.rows if group_column is none or row[group_column] | string == group -%}
        {%- set values = {} -%}
        {%- for column in table.column_names -%}
            {%- do values.update({column: row[column]}) -%}
        {%- endfor -%}
        {%- set name, order = values[name_column] | string, values[order_column] | int -%}
        {%- if name in names or order in orders -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": " ~ name_column ~ " '" ~ name ~ "' (" ~ order_column ~ " " ~ order ~ ") repeats the "
                ~ name_column ~ " or the " ~ order_column ~ " of an earlier row: the first match would be ambiguous"
            ) }}
        {%- endif -%}
        {%- do names.append(name) -%}
        {%- do orders.append(order) -%}
        {%- do rows.append(values) -%}
    {%- endfor -%}
    {{ return(rows) }}
{% endmacro %}

{% macro cleaning_rule_names(input_file) %}
    {#- The rules of an input in seed cleaning_rules, in first-match order; the last (kept_sale, ...) is
        the status of a row no other rule matches. -#}
    {{ return(seed_rules('cleaning_rules', 'rule', 'rule_order', 'input_file', input_file)
        | map(attribute='rule') | map('string') | list) }}
{% endmacro %}

{% macro rule_flag(conditions, rule, column=none) %}
    {#- Declares a model's flag column for a rule (is_<rule> unless named) in `conditions`, a dict the model
        passes on to first_matching_rule, and returns the column name, for the flag's alias. -#}
    {%- set column = column or 'is_' ~ rule -%}
    {%- if rule in conditions -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": rule '" ~ rule ~ "' is flagged twice") }}
    {%- endif -%}
    {%- do conditions.update({rule: column}) -%}
    {{ return(column) }}
{% endmacro %}

{% macro assert_rules_match_seed(seed_name, group_label, rules, conditions) %}
    {#- Stops the build unless every condition of the model (`conditions`: rule -> boolean SQL) is a rule
        of the seed (`rules`, in order) and every rule of the seed but the last has one: the last takes
        every row no other rule matches. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set where = 'seed ' ~ seed_name ~ (' ' ~ group_label if group_label else '') -%}
    {%- if rules | length == 0 -%}
        {{ exceptions.raise_compiler_error(where ~ " lists no rule, so " ~ model.name ~ " cannot decide") }}
    {%- endif -%}
    {%- for rule in conditions if rule not in rules -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " has a condition for rule '" ~ rule ~ "', which " ~ where ~ " does not list: "
            ~ "add the rule to the seed or remove it from the model"
        ) }}
    {%- endfor -%}
    {%- if rules[-1] in conditions -%}
        {{ exceptions.raise_compiler_error(
            where ~ " ends with rule '" ~ rules[-1] ~ "', which takes every row no earlier rule matches and so "
            ~ "has no condition, but " ~ model.name ~ " gives it one"
        ) }}
    {%- endif -%}
    {%- for rule in rules[:-1] if rule not in conditions -%}
        {{ exceptions.raise_compiler_error(
            where ~ " lists rule '" ~ rule ~ "', for which " ~ model.name ~ " has no condition; "
            ~ "only the seed's last rule, '" ~ rules[-1] ~ "', which takes every "
            ~ "row no earlier rule matches, goes without one"
        ) }}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{% macro first_matching_rule(rules, conditions) -%}
    {#- A CASE giving the first of `rules` (in order) whose condition holds; a last rule without a
        condition is the ELSE, otherwise no match is null. -#}
    {%- if rules | length == 0 -%}
        null
    {%- else -%}
        case
        {%- for rule in rules if rule in conditions %}
            when {{ conditions[rule] }} then {{ string_literal(rule) | trim }}
        {%- endfor %}
        {%- if rules[-1] not in conditions %}
            else {{ string_literal(rules[-1]) | trim }}
        {%- endif %}
        end
    {%- endif -%}
{%- endmacro %}

{% macro cleaning_status(input_file, flags) %}
    {#- The status of a row of input_file: the first rule of seed cleaning_rules whose flag (declared with
        rule_flag into `flags`) holds, else the input's last rule. -#}
    {%- set rules = cleaning_rule_names(input_file) -%}
    {%- do assert_rules_match_seed('cleaning_rules', 'for input_file ' ~ input_file, rules, flags) -%}
    {{ return(first_matching_rule(rules, flags)) }}
{% endmacro %}

{% macro seed_label(expression, rows, key_column, label_column) -%}
    {#- A CASE mapping `expression` (a rule name) to the rule's label in a seed's rows (seed_rules). -#}
    {%- if rows | length == 0 -%}
        null
    {%- else -%}
        case {{ expression }}
        {%- for row in rows %}
            when {{ string_literal(row[key_column] | string) | trim }}
                then {{ string_literal(row[label_column] | string) | trim }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}
