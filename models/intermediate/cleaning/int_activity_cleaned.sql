-- Every raw activity row with exactly one status: kept_activity, or the first exclusion rule it meets
-- (order in the seed cleaning_rules, read at compile time: macro cleaning_status). Incremental on DuckDB,
-- like int_transactions_cleaned (macro incremental_cleaning).
{%- set cleaning = incremental_cleaning(
    'activity',
    ref('stg_raw__activity'),
    'activity_row_number',
    duplicate_key=['customer_ref', 'activity_date', 'sessions', 'actions', 'active_minutes']
) %}
{%- set rules = {} %}

with

activity as (

    {{ cleaning_new_lines(cleaning) }}

),
{{ duplicate_copies(cleaning) }}

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
        {{ exact_duplicate_condition(cleaning) }} as {{ rule_flag(rules, 'exact_duplicate') }},
        customer_ref_periods.customer_id is null as {{ rule_flag(rules, 'unknown_customer') }}

    from activity
    -- a day of activity belongs to whoever owned the reference at the end of that day
    {{ join_customer_ref_period(
        'activity.customer_ref',
        "cast(activity.activity_date as timestamp) + interval 1 day - interval 1 microsecond"
    ) }}
    {{ join_duplicate_copies(cleaning) }}

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
    ({{ cleaning.inputs_fingerprint }}) as inputs_fingerprint

from statused
