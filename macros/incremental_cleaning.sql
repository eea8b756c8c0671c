{#-
    Incremental cleaning. Raw transaction and activity files are append-only (new lines go at the end, so
    every earlier line keeps its number), and a line's status depends only on itself, the lines before it
    (exact duplicates) and the identity and seed tables. So a rebuild needs to status only the lines added
    since the last build, provided those other inputs are unchanged: `inputs_fingerprint` is a hash of
    them, stored on every row, and a different one reprocesses every line.
-#}
{% macro cleaning_watermark(key_column, inputs_fingerprint_sql, raw_relation) %}
    {#- The highest line number already statused, or none when every line must be (re)built. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'inputs_fingerprint' not in built_columns -%}
        {#- built before the fingerprint existed: restatus every line (dbt adds the column) -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set current = run_query(inputs_fingerprint_sql).columns[0].values()[0] -%}
    {%- set built = run_query(
        "select min(inputs_fingerprint), max(inputs_fingerprint), max(" ~ key_column ~ "), count(*), "
        ~ "(select count(*) from " ~ raw_relation ~ ") from " ~ this
    ).rows[0] -%}
    {%- if built[4] < built[3] -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": the raw input has " ~ built[4] ~ " rows, fewer than the " ~ built[3]
            ~ " the last build statused, so it was not appended to. Rebuild with dbt build --full-refresh."
        ) }}
    {%- endif -%}
    {%- if built[0] is none or built[0] | string != current | string or built[1] | string != current | string -%}
        {{ log(this.identifier ~ ": identity or seeds changed since the last build; restatusing every line", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {{ return(built[2]) }}
{% endmacro %}

{% macro ref_periods_fingerprint() %}
    {#- Order-free hash of who owned which customer_ref when: the identity every line is attributed by. -#}
    (
        select bit_xor(hash(customer_ref, customer_id, valid_from, valid_to))
        from {{ ref('int_customer_ref_periods') }}
    )
{%- endmacro %}

{% macro time_settings_fingerprint() %}
    {#- The time vars a line's times and status depend on: changing one restatuses every line. A null
        plausible_date_max (the build date) is not part of it, so it does not restatus daily. -#}
    {{ string_literal(
        var('time_zone') ~ '|' ~ var('plausible_date_min') ~ '|' ~ (var('plausible_date_max') or '')
    ) }}
{%- endmacro %}
