{#-
    Whether a number is finite (not NaN, not +/- infinity), and whether a date or timestamp is finite
    (DuckDB has infinity timestamps; text 'infinity' casts to one). Null in, null out.
-#}
{% macro is_finite_number(expression) %}
    {{ return(adapter.dispatch('is_finite_number', 'earmark')(expression)) }}
{% endmacro %}

{% macro default__is_finite_number(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite_number(expression) -%}
    (not isnan({{ expression }}) and abs({{ expression }}) < double('infinity'))
{%- endmacro %}

{% macro is_finite_time(expression) %}
    {{ return(adapter.dispatch('is_finite_time', 'earmark')(expression)) }}
{% endmacro %}

{% macro default__is_finite_time(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{#- Spark timestamps have no infinity. -#}
{% macro spark__is_finite_time(expression) -%}
    true
{%- endmacro %}
