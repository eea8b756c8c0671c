{#-
    Audit-only raw files (truth_*) exist only for simulated worlds. Read the file when it is there;
    otherwise stand in a zero-row relation with the declared columns, so audits report "not estimable"
    instead of failing the build.
-#}
{% macro raw_source_or_empty(table_name) %}
    {%- set relation = source('raw', table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set path = var('raw_dir') ~ '/' ~ table_name ~ '.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.earmark.raw.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
    {%- endfor -%}
    {%- do columns.append('cast(null as bigint) as file_row_number') -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{% endmacro %}
