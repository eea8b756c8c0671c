-- Every raw activity row with exactly one status: kept_activity, or the first exclusion rule it meets
-- (order in the seed cleaning_rules).
with

activity as (

    select * from {{ ref('stg_raw__activity') }}

),

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
            or activity.active_minutes < 0,
            false
        ) as is_malformed,
        row_number() over (
            partition by
                activity.customer_ref,
                activity.activity_date,
                activity.sessions,
                activity.actions,
                activity.active_minutes
            order by activity.activity_row_number
        ) > 1 as is_exact_duplicate,
        customer_ref_periods.customer_id is null as is_unknown_customer

    from activity
    -- a day of activity belongs to whoever owned the reference at the end of that day
    {{ join_customer_ref_period(
        'activity.customer_ref',
        "cast(activity.activity_date as timestamp) + interval 1 day - interval 1 microsecond"
    ) }}

),

statused as (

    select
        *,
        case
            when is_malformed then 'malformed'
            when is_exact_duplicate then 'exact_duplicate'
            when is_unknown_customer then 'unknown_customer'
            else 'kept_activity'
        end as row_status

    from flagged

)

select
    *,
    row_status = 'kept_activity' as is_kept_activity

from statused
