-- Every raw activity row with exactly one status: kept_activity, or the first exclusion rule it meets
-- (order in the seed cleaning_rules, read at compile time: macro cleaning_status). Incremental on DuckDB
-- like int_transactions_cleaned.
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    unique_key='activity_row_number',
    incremental_strategy='delete+insert',
    on_schema_change='sync_all_columns'
) }}

{%- set inputs_fingerprint -%}
    select hash({{ ref_periods_fingerprint() }}, {{ time_settings_fingerprint() }})
{%- endset -%}
{%- set built_up_to = cleaning_watermark(
    'activity_row_number', inputs_fingerprint, ref('stg_raw__activity'), 'activity'
) %}
{%- set duplicate_key = ['customer_ref', 'activity_date', 'sessions', 'actions', 'active_minutes'] %}
{%- set rules = {} %}

with

activity as (

    select * from {{ ref('stg_raw__activity') }}
    {% if built_up_to is not none -%}
        where activity_row_number > {{ built_up_to }}
    {%- endif %}

),
{% if built_up_to is not none %}
    -- rows statused before that the new ones copy exactly
    {{ earlier_copies('activity', duplicate_key) }},
{% endif %}

customer_ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

flagged as (

    select
        activity.*,
        customer_ref_periods.customer_id,

        coalesce(
            activity.sessions is null
            or activity.actions is null
            or activity.active_minutes is null
            or activity.sessions < 0
            or activity.actions < 0
            or activity.active_minutes < 0
            or not {{ is_finite_number('activity.active_minutes') }}
            or activity.is_count_out_of_range,
            false
        ) as {{ rule_flag(rules, 'malformed') }},
        {{ is_implausible_date('activity.activity_date') }} as {{ rule_flag(rules, 'implausible_date') }},
        row_number() over (
            partition by
                activity.customer_ref,
                activity.activity_date,
                activity.sessions,
                activity.actions,
                activity.active_minutes
            order by activity.activity_row_number
        ) > 1
        {%- if built_up_to is not none %}
            or coalesce(earlier_copies.has_earlier_copy, false)
        {%- endif %} as {{ rule_flag(rules, 'exact_duplicate') }},
        customer_ref_periods.customer_id is null as {{ rule_flag(rules, 'unknown_customer') }}

    from activity
    -- a day of activity belongs to whoever owned the reference at the end of that day
    {{ join_customer_ref_period(
        'activity.customer_ref',
        "cast(activity.activity_date as timestamp) + interval 1 day - interval 1 microsecond"
    ) }}
    {%- if built_up_to is not none %}
        left join earlier_copies
            on
                {%- for col in duplicate_key %}
                    {{ 'and ' if not loop.first }}activity.{{ col }} is not distinct from earlier_copies.{{ col }}
                {%- endfor %}
    {%- endif %}

),

statused as (

    select
        *,
        {{ cleaning_status('activity', rules) }} as row_status

    from flagged

)

select
    *,
    row_status = 'kept_activity' as is_kept_activity,
    ({{ inputs_fingerprint }}) as inputs_fingerprint

from statused
