{#-
    The attribute columns of the customers input (whatever a data set carries beyond the contract), read
    from int_customers_resolved under the given alias: everything except the resolved identity columns.
    `reserved`: names the calling model already takes from elsewhere (a trailing '*' reserves a prefix).
    An attribute with such a name stops the build with a message naming the file and column, rather than
    being renamed (channel_1) or swapped with the other column silently.
-#}
{% macro customer_attribute_columns(alias, reserved=[]) -%}
    {%- if execute and reserved -%}
        {%- set identity = [
            'customer_id', 'matching_key', 'record_count', 'customer_ref_count', 'first_signup_at',
            'is_premium', 'is_admin', 'email', 'account_ref', 'role', 'country'
        ] -%}
        {%- for column in adapter.get_columns_in_relation(ref('int_customers_resolved')) -%}
            {%- set name = column.name | lower -%}
            {%- for word in reserved -%}
                {%- if name not in identity and (name == word or (word.endswith('*') and name.startswith(word[:-1]))) -%}
                    {{ exceptions.raise_compiler_error(
                        "customers.parquet: attribute column '" ~ column.name ~ "' has the name of a column "
                        ~ model.name ~ " takes from elsewhere ('" ~ word ~ "'); rename it in the input "
                        ~ "(attribute columns must not be named " ~ reserved | join(', ') ~ ")"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}
    -- noqa: disable=RF02
    {{ star_except([
        'customer_id', 'matching_key', 'record_count', 'customer_ref_count', 'first_signup_at', 'is_premium',
        'is_admin', 'email', 'account_ref', 'role', 'country'
    ], alias) }}
    -- noqa: enable=RF02
{%- endmacro %}
