{#-
    Every column of a relation (optionally qualified by an alias) except the listed ones: DuckDB's
    `* exclude (...)`, Spark's and Databricks' `* except (...)`.
-#}
{% macro star_except(columns, alias=none) %}
    {{ return(adapter.dispatch('star_except', 'earmark')(columns, alias)) }}
{% endmacro %}

{% macro default__star_except(columns, alias) -%}
    {{ alias ~ '.' if alias }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns, alias) -%}
    {{ alias ~ '.' if alias }}* except ({{ columns | join(', ') }})
{%- endmacro %}
