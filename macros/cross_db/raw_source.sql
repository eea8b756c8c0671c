{#-
    A raw Parquet file of the input contract as a relation with a file_row_number column (0-based position
    of the row in the file). DuckDB reads it through the source's external_location (read_parquet with
    file_row_number); Spark reads the file directly, numbering rows by the Parquet reader's row index.
    The source() call is made on every adapter, so lineage stays source -> staging.
-#}
{% macro raw_source(table_name) %}
    {{ return(adapter.dispatch('raw_source', 'earmark')(table_name)) }}
{% endmacro %}

{% macro default__raw_source(table_name) %}
    {{ return(source('raw', table_name)) }}
{% endmacro %}

{% macro spark__raw_source(table_name) %}
    {%- set relation = source('raw', table_name) -%}
    {%- set path = var('raw_dir') ~ '/' ~ table_name ~ '.parquet' -%}
    {{ return('(select *, _metadata.row_index as file_row_number from parquet.`' ~ path ~ '`)') }}
{% endmacro %}

{#- How many files of the raw directory match a glob (e.g. '*.parquet' or 'customers.parquet'). -#}
{% macro raw_file_count(pattern) %}
    {{ return(adapter.dispatch('raw_file_count', 'earmark')(pattern)) }}
{% endmacro %}

{% macro default__raw_file_count(pattern) %}
    {%- set found = run_query("select count(*) from glob('" ~ var('raw_dir') ~ "/" ~ pattern ~ "')") -%}
    {{ return(found.columns[0].values()[0]) }}
{% endmacro %}

{% macro spark__raw_file_count(pattern) %}
    {#- Spark has no glob(): list the directory with the binaryFile source (its content is never read). -#}
    {%- set like = pattern | replace('%', '\\%') | replace('_', '\\_') | replace('*', '%') -%}
    {%- set found = run_query(
        "select count(*) from binaryFile.`" ~ var('raw_dir') ~ "` where path like '%/" ~ like ~ "'"
    ) -%}
    {{ return(found.columns[0].values()[0]) }}
{% endmacro %}
