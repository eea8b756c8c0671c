{#-
    Audit-only raw files (truth_*) exist only for simulated worlds. Read the file when it is there;
    otherwise stand in a zero-row relation with the declared columns, so audits report "not estimable"
    instead of failing the build.
-#}
{% macro raw_source_or_empty(table_name) %}
    {%- set relation = raw_source(table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if raw_file_count(table_name ~ '.parquet') > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.earmark.raw.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- set data_type = dbt.type_string() if column.data_type == 'varchar' else column.data_type -%}
        {%- do columns.append('cast(null as ' ~ data_type ~ ') as ' ~ column.name) -%}
    {%- endfor -%}
    {%- do columns.append('cast(null as bigint) as file_row_number') -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{% endmacro %}
