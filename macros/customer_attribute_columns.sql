{#-
    The attribute columns of the customers input (whatever a data set carries beyond the contract), read
    from int_customers_resolved under the given alias: everything except the resolved identity columns.
-#}
{% macro customer_attribute_columns(alias) -%}
    -- noqa: disable=RF02
    {{ star_except([
        'customer_id', 'matching_key', 'record_count', 'customer_ref_count', 'first_signup_at', 'is_premium',
        'is_admin', 'email', 'account_ref', 'role', 'country'
    ], alias) }}
    -- noqa: enable=RF02
{%- endmacro %}
