{#- The exclusion rules of an input, in first-match order, as in seed cleaning_rules. Each rule has a
    boolean column is_<rule> on the input's cleaned model. -#}
{% macro cleaning_rule_names(input_file) %}
    {%- set rules = {
        'transactions': [
            'malformed', 'invalid_number', 'implausible_date', 'exact_duplicate', 'cancellation_invoice', 'return',
            'non_product_code', 'non_positive_price', 'missing_customer', 'unknown_customer'
        ],
        'activity': ['malformed', 'implausible_date', 'exact_duplicate', 'unknown_customer'],
    } -%}
    {{ return(rules[input_file]) }}
{% endmacro %}
