{#-
    A query of one of the project's seeds, ordered, for a macro that needs its rows at compile time
    (seed_rules). DuckDB reads the seed's CSV file itself, so `dbt compile`, `dbt docs generate` and
    sqlfluff (on an in-memory warehouse) work before the seed is built. Spark reads the seed's table, which
    `dbt build` builds first because a model that reads a seed also refs it.
    A unit test's context has no graph to find the seed in; there the file is taken relative to the root
    project (dbt runs in it): seeds/, or dbt_packages/earmark/seeds/ when Earmark is an installed package;
    on Spark, the table in the seeds schema.
-#}
{% macro seed_file_query(seed_name, order_column) %}
    {%- set seed_node = none -%}
    {%- if graph.nodes is defined -%}
        {%- set seed_node = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'seed')
            | selectattr('package_name', 'equalto', 'earmark')
            | selectattr('name', 'equalto', seed_name)
            | first -%}
    {%- endif -%}
    {{ return(adapter.dispatch('seed_file_query', 'earmark')(seed_name, seed_node, order_column)) }}
{% endmacro %}

{% macro default__seed_file_query(seed_name, seed_node, order_column) %}
    {%- if seed_node -%}
        {%- set path = seed_node.root_path ~ '/' ~ seed_node.original_file_path -%}
        {%- set delimiter = seed_node.config.delimiter or ',' -%}
    {%- else -%}
        {%- set path = ('' if project_name == 'earmark' else 'dbt_packages/earmark/') ~ 'seeds/' ~ seed_name ~ '.csv' -%}
        {%- set delimiter = ',' -%}
    {%- endif -%}
    {#- '[', '*' and '?' in the path would be glob characters to read_csv: each is made literal -#}
    {%- set path = path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]') -%}
    {{ return(
        'select * from read_csv(' ~ string_literal(path) | trim ~ ', header = true, all_varchar = true, '
        ~ 'delim = ' ~ string_literal(delimiter) | trim ~ ", quote = '\"', escape = '\"') "
        ~ 'order by cast(' ~ order_column ~ ' as integer)'
    ) }}
{% endmacro %}

{% macro spark__seed_file_query(seed_name, seed_node, order_column) %}
    {%- if seed_node -%}
        {%- set relation = adapter.get_relation(
            database=seed_node.database, schema=seed_node.schema, identifier=seed_node.alias
        ) -%}
    {%- else -%}
        {%- set relation = adapter.get_relation(
            database=none, schema=generate_schema_name('seeds', none) | trim, identifier=seed_name
        ) -%}
    {%- endif -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "seed " ~ seed_name ~ " is not built yet: run dbt seed (dbt build seeds it first)"
        ) }}
    {%- endif -%}
    {{ return('select * from ' ~ relation ~ ' order by cast(' ~ order_column ~ ' as integer)') }}
{% endmacro %}
