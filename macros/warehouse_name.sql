{#-
    dbt-duckdb names the database after the warehouse file (EARMARK_DB=/data/o'brien.duckdb: o'brien) and
    writes that name into SQL string literals and quoted identifiers without escaping it, so a quote in
    the file name fails the first query with a bare parser error (the folders around it do not matter).
    Listing schemas is that first query: refuse such a name there, naming the path and the character,
    then list as dbt-duckdb does.
-#}
{% macro duckdb__list_schemas(database) %}
    {%- set quotes = {"'": "a single quote (')", '"': 'a double quote (")'} -%}
    {%- for character, name in quotes.items() if character in target.database -%}
        {{ exceptions.raise_compiler_error(
            "warehouse " ~ target.path ~ " (EARMARK_DB): unsupported_path: its file name contains " ~ name
            ~ ", and dbt-duckdb writes the database name it takes from the file name (" ~ target.database
            ~ ") into SQL unescaped; rename the file (the folders around it may contain any character)"
        ) }}
    {%- endfor -%}
    {{ return(dbt.duckdb__list_schemas(database)) }}
{% endmacro %}
