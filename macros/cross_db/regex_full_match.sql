{#-
    True when the whole of a string expression matches a regular expression (both SQL expressions), as
    DuckDB's regexp_full_match; Spark's rlike matches anywhere, so the pattern is anchored there.
-#}
{% macro regex_full_match(value, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'earmark')(value, pattern)) }}
{% endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_full_match(value, pattern) -%}
    {{ value }} rlike concat('^(?:', {{ pattern }}, ')$')
{%- endmacro %}
