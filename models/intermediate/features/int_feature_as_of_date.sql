-- The date behaviour features are measured at (exclusive): the var as_of_date when set, otherwise the
-- day after the last kept sale (falling back to activity, then signups, for inputs without sales).
with

kept_sales as (

    select max(invoiced_at) as last_sale_at
    from {{ ref('int_transactions_cleaned') }}
    where is_kept_sale

),

kept_activity as (

    select max(activity_date) as last_activity_date
    from {{ ref('int_activity_cleaned') }}
    where is_kept_activity

),

records as (

    select max(signup_at) as last_signup_at
    from {{ ref('int_customer_records_keyed') }}

),

as_of as (

    select
        'feature_window' as feature_window_id,
        coalesce(
            {% if var('as_of_date') %}cast('{{ var("as_of_date") }}' as date),{% endif %}
            cast({{ dbt.dateadd('day', 1, 'cast(kept_sales.last_sale_at as date)') }} as date),
            cast({{ dbt.dateadd('day', 1, 'kept_activity.last_activity_date') }} as date),
            cast({{ dbt.dateadd('day', 1, 'cast(records.last_signup_at as date)') }} as date)
        ) as as_of_date

    from kept_sales
    cross join kept_activity
    cross join records

)

select * from as_of
