{#-
    Time has one meaning: every raw timestamp becomes a wall-clock TIMESTAMP in the var time_zone
    (default UTC), whatever the machine's TZ.
    - TIMESTAMP WITH TIME ZONE columns: the instant, shown in time_zone.
    - Text with a UTC offset ('2025-03-01 10:00:00+09:00', '...Z'): the same; a plain cast to TIMESTAMP
      would drop the offset and keep 10:00.
    - Naive timestamps, dates and text without an offset are taken to be in time_zone already.
    The raw column's type is read from the file at compile time; nothing here depends on the session's
    TimeZone setting (timezone(zone, timestamptz) is absolute).
-#}
{% macro stated_timestamp(table_name, column_name) %}
    {{ return(adapter.dispatch('stated_timestamp', 'earmark')(table_name, column_name)) }}
{% endmacro %}

{% macro default__stated_timestamp(table_name, column_name) %}
    {%- set zone = var('time_zone') | replace("'", "''") -%}
    {%- set raw_type = raw_column_type(table_name, column_name) -%}
    {%- if raw_type is none or raw_type.startswith('TIMESTAMP WITH TIME ZONE') -%}
        {%- if raw_type is none -%}
            cast({{ column_name }} as timestamp)
        {%- else -%}
            timezone('{{ zone }}', {{ column_name }})
        {%- endif -%}
    {%- elif raw_type == 'VARCHAR' -%}
        case
            when regexp_matches(trim({{ column_name }}), '{{ utc_offset_pattern() }}')
                then timezone('{{ zone }}', try_cast(trim({{ column_name }}) as timestamptz))
            else try_cast({{ column_name }} as timestamp)
        end
    {%- else -%}
        cast({{ column_name }} as timestamp)
    {%- endif -%}
{% endmacro %}

{#- Spark: the session time zone (spark.sql.session.timeZone) must be set to time_zone. -#}
{% macro spark__stated_timestamp(table_name, column_name) %}
    cast({{ column_name }} as timestamp)
{% endmacro %}

{#- A time of day followed by a UTC offset or Z, at the end of a text timestamp. -#}
{% macro utc_offset_pattern() -%}
    \d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([+-]\d{2}(:?\d{2})?|[zZ]|UTC)$
{%- endmacro %}

{#- The DuckDB type of a raw file's column ('VARCHAR', 'TIMESTAMP WITH TIME ZONE', ...), or none when the
    file is absent or the project is only being parsed. -#}
{% macro raw_column_type(table_name, column_name) %}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if raw_file_count(table_name ~ '.parquet') == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set described = run_query(
        "describe select * from read_parquet(" ~ raw_path_literal(table_name ~ '.parquet') ~ ")"
    ) -%}
    {%- for row in described.rows if row[0] == column_name -%}
        {{ return(row[1]) }}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}

{#- The plausible window for dated rows, [plausible_date_min, plausible_date_max]: rows dated outside it
    are flagged and not used. plausible_date_max null means the day after the build started (UTC):
    nothing can have happened after the build, and the day's slack keeps any time zone ahead of UTC
    inside. Returns SQL date expressions. -#}
{% macro plausible_date_bounds() %}
    {%- set low = var('plausible_date_min') -%}
    {%- set high = var('plausible_date_max') -%}
    {%- if high -%}
        {%- set high_sql = "cast('" ~ high ~ "' as date)" -%}
    {%- else -%}
        {%- set high_sql = "cast(" ~ dbt.dateadd('day', 1, "cast('" ~ run_started_at.strftime('%Y-%m-%d') ~ "' as date)") ~ " as date)" -%}
    {%- endif -%}
    {{ return(["cast('" ~ low ~ "' as date)", high_sql]) }}
{% endmacro %}

{#- True when a timestamp or date expression lies outside the plausible window (infinity included). -#}
{% macro is_implausible_date(expression) -%}
    {%- set bounds = plausible_date_bounds() -%}
    coalesce(
        cast({{ expression }} as date) < {{ bounds[0] }}
        or cast({{ expression }} as date) > {{ bounds[1] }}
        or not {{ is_finite_time(expression) }},
        false
    )
{%- endmacro %}
