{#-
    Incremental cleaning. Raw transaction and activity files are append-only (new lines go at the end, so
    every earlier line keeps its number), and a line's status depends only on itself, the lines before it
    (exact duplicates) and the identity and seed tables. So a rebuild needs to status only the lines added
    since the last build, provided those other inputs are unchanged: `inputs_fingerprint` is a hash of
    them, stored on every row, and a different one reprocesses every line.
    The append-only promise is checked, not assumed: the built table holds every staged column of every
    line it statused, so a hash of those lines as built is compared with the same hash of the first lines
    of today's file. Any edit, deletion, insertion or reordering among them restatuses every line (a file
    with fewer lines than were built is refused: delete+insert could not remove the lines past its end).
    DuckDB only: the models are incremental on DuckDB alone (plain tables on the other adapters).
    The two cleaning models share all of it: incremental_cleaning sets the config and gives the watermark,
    and the macros below it write the new lines' CTE, the exact-duplicate rule and its joins,
    so each model states only its raw file, key, duplicate key and any further fingerprint inputs.
-#}

{% macro incremental_cleaning(raw_file, staged, key_column, duplicate_key, fingerprint_inputs=[]) %}
    {#- Sets the calling model's incremental config and returns what its SQL needs: raw_file (also the
        name of the model's CTE of new lines), staged (the staging relation), key_column, duplicate_key
        (the columns that make two lines exact copies), inputs_fingerprint (a query: the identity
        periods, fingerprint_inputs (scalar subqueries, e.g. of a seed) and the time vars) and
        built_up_to (cleaning_watermark). -#}
    {{ config(
        materialized='incremental' if target.type == 'duckdb' else 'table',
        unique_key=key_column,
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    ) }}
    {%- set inputs_fingerprint -%}
        select hash(
            {{ ref_periods_fingerprint() }},
            {%- for input in fingerprint_inputs %}
            {{ input }},
            {%- endfor %}
            {{ time_settings_fingerprint() }}
        )
    {%- endset -%}
    {{ return({
        'raw_file': raw_file,
        'staged': staged,
        'key_column': key_column,
        'duplicate_key': duplicate_key,
        'inputs_fingerprint': inputs_fingerprint,
        'built_up_to': cleaning_watermark(key_column, inputs_fingerprint, staged, raw_file),
    }) }}
{% endmacro %}

{% macro cleaning_new_lines(cleaning) -%}
    {#- The staged lines to status: all of them, or those after the watermark. -#}
    select * from {{ cleaning.staged }}
    {%- if cleaning.built_up_to is not none %}
    where {{ cleaning.key_column }} > {{ cleaning.built_up_to }}
    {%- endif %}
{%- endmacro %}


{% macro cleaning_watermark(key_column, inputs_fingerprint_sql, raw_relation, raw_file) %}
    {#- The highest line number already statused, or none when every line must be (re)built. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'inputs_fingerprint' not in built_columns -%}
        {#- built before the fingerprint existed: restatus every line (dbt adds the column) -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set raw_path = var('raw_dir') ~ '/' ~ raw_file ~ '.parquet' -%}
    {%- set staged_columns = adapter.get_columns_in_relation(raw_relation) | map(attribute='name') | list -%}
    {%- set line_hash = 'hash(' ~ staged_columns | join(', ') ~ ')' -%}
    {%- set current = run_query(inputs_fingerprint_sql).columns[0].values()[0] -%}
    {#- one scan of each side: the built lines' hash, and the hash of as many first lines of the file -#}
    {%- set built = run_query(
        "with built as (select min(inputs_fingerprint) as fingerprint_min, max(inputs_fingerprint) as "
        ~ "fingerprint_max, max(" ~ key_column ~ ") as built_up_to, count(*) as built_lines, bit_xor("
        ~ line_hash ~ ") as built_hash from " ~ this ~ ") select built.*, (select count(*) from "
        ~ raw_relation ~ ") as raw_lines, (select bit_xor(" ~ line_hash ~ ") from " ~ raw_relation
        ~ " where " ~ key_column ~ " <= built.built_up_to) as raw_prefix_hash from built"
    ).rows[0] -%}
    {%- if built[4] is none -%}
        {#- an empty built table: nothing to keep -#}
        {{ return(none) }}
    {%- endif -%}
    {%- if built[5] < built[3] -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": " ~ raw_path ~ " has " ~ built[5] ~ " lines, fewer than the " ~ built[3]
            ~ " the last build statused, so it was not appended to (lines were deleted). "
            ~ "Rebuild with dbt build --full-refresh."
        ) }}
    {%- endif -%}
    {%- if built[0] is none or built[0] | string != current | string or built[1] | string != current | string -%}
        {{ log(this.identifier ~ ": identity or seeds changed since the last build; restatusing every line", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- if built[6] | string != built[4] | string -%}
        {{ log(
            this.identifier ~ ": " ~ raw_path ~ " changed in its first " ~ built[2] ~ " lines since the last "
            ~ "build (a line edited, deleted, inserted or moved); restatusing every line",
            info=true
        ) }}
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

{% macro duplicate_copies(cleaning) -%}
    {#- CTE later_copies (with its trailing comma): the key of every new line that exactly copies an
        earlier new line in each column of the duplicate key. Exact copies hash alike, so the copies are
        numbered only among lines whose key hash repeats: the same lines as numbering every line, without
        sorting them all with every column they carry (a hash collision only adds a line to number).
        On an incremental build also CTE earlier_copies: the duplicate keys of the lines already statused
        in this table that a new line copies exactly, each with has_earlier_copy = true. -#}
    {%- set key_hash = 'hash(' ~ cleaning.duplicate_key | join(', ') ~ ')' %}
    -- new lines that copy an earlier new line exactly
    later_copies as (

        select {{ cleaning.key_column }}

        from (
            select
                {{ cleaning.key_column }},
                row_number() over (
                    partition by {{ cleaning.duplicate_key | join(', ') }}
                    order by {{ cleaning.key_column }}
                ) as copy_number
            from {{ cleaning.raw_file }}
            where {{ key_hash }} in (
                select {{ key_hash }}
                from {{ cleaning.raw_file }}
                group by {{ key_hash }}
                having count(*) > 1
            )
        ) as numbered_copies
        where copy_number > 1

    ),
    {%- if cleaning.built_up_to is not none %}
    -- lines statused before that the new ones copy exactly
    earlier_copies as (

        select distinct
            {%- for col in cleaning.duplicate_key %}
                earlier.{{ col }},
            {%- endfor %}
            true as has_earlier_copy

        from {{ this }} as earlier
        inner join {{ cleaning.raw_file }}
            on
                {%- for col in cleaning.duplicate_key %}
                    {{ 'and ' if not loop.first }}earlier.{{ col }} is not distinct from {{ cleaning.raw_file }}.{{ col }}
                {%- endfor %}

    ),
    {%- endif %}
{%- endmacro %}

{% macro exact_duplicate_condition(cleaning) -%}
    {#- Cleaning rule exact_duplicate: the line equals an earlier line of the file in every column of the
        duplicate key (a new line also counts the lines statused before it). -#}
    later_copies.{{ cleaning.key_column }} is not null
    {%- if cleaning.built_up_to is not none %}
        or coalesce(earlier_copies.has_earlier_copy, false)
    {%- endif %}
{%- endmacro %}

{% macro join_duplicate_copies(cleaning) -%}
    {#- The left joins of the new lines to later_copies and, on an incremental build, earlier_copies. -#}
    left join later_copies
        on {{ cleaning.raw_file }}.{{ cleaning.key_column }} = later_copies.{{ cleaning.key_column }}
    {%- if cleaning.built_up_to is not none %}
    left join earlier_copies
        on
            {%- for col in cleaning.duplicate_key %}
                {{ 'and ' if not loop.first }}{{ cleaning.raw_file }}.{{ col }} is not distinct from earlier_copies.{{ col }}
            {%- endfor %}
    {%- endif %}
{%- endmacro %}
