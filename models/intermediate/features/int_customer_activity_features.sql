-- Product usage per resolved customer from kept activity before the as-of date.
with

activity as (

    select * from {{ ref('int_activity_cleaned') }}
    where is_kept_activity

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

usage as (

    select
        activity.customer_id,
        min(activity.activity_date) as first_active_date,
        max(activity.activity_date) as last_active_date,
        count(distinct activity.activity_date) as active_days,
        sum(activity.sessions) as sessions,
        sum(activity.actions) as actions,
        -- fixed-point sum: exact, whatever the order rows arrive in
        cast(sum(cast(activity.active_minutes as decimal(18, 4))) as double) as active_minutes,
        sum(
            case
                when activity.activity_date >= {{ dbt.dateadd('day', -7, 'as_of.as_of_date') }} then activity.actions
                else 0
            end
        )
            as actions_last_7_days,
        sum(
            case
                when
                    activity.activity_date >= {{ dbt.dateadd('day', -37, 'as_of.as_of_date') }}
                    and activity.activity_date < {{ dbt.dateadd('day', -7, 'as_of.as_of_date') }}
                    then activity.actions
                else 0
            end
        ) as actions_prior_30_days

    from activity
    cross join as_of
    where activity.activity_date < as_of.as_of_date
    group by activity.customer_id

),

derived as (

    select
        *,
        case when active_minutes > 0 then actions / active_minutes end as intensity,
        {{ momentum_ratio('actions_last_7_days', 'actions_prior_30_days') }} as activity_momentum

    from usage

)

select * from derived
