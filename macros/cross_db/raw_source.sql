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
    {%- set found = run_query("select count(*) from glob(" ~ raw_path_literal(pattern) ~ ")") -%}
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

{#-
    A DuckDB string literal for `<raw_dir>/<tail>`, for read_parquet and glob(). DuckDB reads '[', '*' and
    '?' in a path as glob characters, so a directory named 'sales [v1]' would silently read 'sales v' or
    'sales 1' instead: each is written as a one-character class ('[[]'), which matches only itself. `tail`
    is the project's own file name or pattern and is left as given ('*.parquet' stays a glob).
-#}
{% macro raw_path_literal(tail) %}
    {%- set directory = var('raw_dir') | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]') -%}
    {{ return(string_literal(directory ~ '/' ~ tail) | trim) }}
{% endmacro %}

{#-
    Characters of var raw_dir this adapter cannot read a path with, each with the reason: the on-run-start
    check refuses such a directory by name instead of failing later with a parser error or reading
    another directory. DuckDB: a backslash, which its glob reads as a path separator.
-#}
{% macro raw_dir_unsupported_characters() %}
    {{ return(adapter.dispatch('raw_dir_unsupported_characters', 'earmark')()) }}
{% endmacro %}

{% macro default__raw_dir_unsupported_characters() %}
    {{ return({'\\': "DuckDB's file glob reads a backslash as a path separator"}) }}
{% endmacro %}

{#- Spark reads parquet.`<path>` and binaryFile.`<path>` through Hadoop's glob, and a backtick ends the
    quoted path: untested escapes would risk reading another directory, so these are refused. -#}
{% macro spark__raw_dir_unsupported_characters() %}
    {%- set glob = "Spark reads the raw directory as a Hadoop glob pattern, where it is special" -%}
    {{ return({
        '\\': glob, '[': glob, ']': glob, '{': glob, '}': glob, '*': glob, '?': glob,
        '`': "Spark quotes the path in backticks, which it would end"
    }) }}
{% endmacro %}

{#- One contract-format line per unsupported character of var raw_dir (see raw_dir_unsupported_characters). -#}
{% macro raw_dir_problems() %}
    {%- set problems = [] -%}
    {%- for character, reason in raw_dir_unsupported_characters().items() if character in var('raw_dir') -%}
        {%- do problems.append(
            var('raw_dir') ~ ": column '*': unsupported_path: the raw directory (var raw_dir) contains '"
            ~ character ~ "' (" ~ reason ~ "); rename or move the directory"
        ) -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}
