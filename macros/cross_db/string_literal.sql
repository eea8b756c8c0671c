{#-
    A SQL string literal holding the given text. Standard SQL doubles single quotes; Spark SQL also
    treats backslashes as escapes, so it escapes both with a backslash.
-#}
{% macro string_literal(text) %}
    {{ return(adapter.dispatch('string_literal', 'earmark')(text)) }}
{% endmacro %}

{% macro default__string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
