{#-
    The pre_* covariates of the uplift model, each measured strictly before a reference time: the one
    definition the training set (reference: treated_at of each campaign assignment) and the scoring set
    (reference: the build's as-of date) share, so a model fitted on one can score the other.

    `reference_rows`: a CTE (or relation) in scope with one row per `row_key`, a customer_id and the
    reference timestamp `reference_at` (a column name). Emits CTEs, the last named
    pre_reference_covariates: one row per reference row, `row_key` then every covariate, in this order:
    pre_recency_days, pre_frequency, pre_monetary, pre_spend_30_days, pre_active_days_30, pre_actions,
    pre_intensity, pre_activity_momentum, pre_tenure_days, is_admin, pre_last_purchase_at,
    pre_last_active_date, then the account context: pre_account_customers, pre_account_active_days_30,
    pre_account_activity_momentum, pre_account_admin_intensity. The caller writes the comma before the
    next CTE.

    The account context is what an account-level action (a call to the account) acts through: the
    account's size and activity trend, and how its admins use the product, measured over every customer
    of the account signed up by the reference time (a customer without an account is its own), so the
    training set and the scoring set agree at the same reference time.
-#}
{% macro pre_reference_covariates(reference_rows, row_key, reference_at) -%}
pre_kept_sales as (

    select * from {{ ref('int_transactions_cleaned') }}
    where is_kept_sale

),

pre_kept_activity as (

    select * from {{ ref('int_activity_cleaned') }}
    where is_kept_activity

),

pre_customers as (

    select * from {{ ref('int_customers_resolved') }}

),

pre_sales_before as (

    select
        {{ reference_rows }}.{{ row_key }},
        max(pre_kept_sales.invoiced_at) as pre_last_purchase_at,
        count(distinct pre_kept_sales.invoice_ref) as pre_frequency,
        cast(sum(pre_kept_sales.line_value) as double) as pre_monetary,
        cast(sum(pre_kept_sales.line_value) filter (
            where pre_kept_sales.invoiced_at >= {{ reference_rows }}.{{ reference_at }} - interval 30 day
        ) as double) as pre_spend_30_days

    from {{ reference_rows }}
    inner join pre_kept_sales
        on
            {{ reference_rows }}.customer_id = pre_kept_sales.customer_id
            and {{ reference_rows }}.{{ reference_at }} > pre_kept_sales.invoiced_at
    group by {{ reference_rows }}.{{ row_key }}

),

pre_activity_before as (

    select
        {{ reference_rows }}.{{ row_key }},
        max(pre_kept_activity.activity_date) as pre_last_active_date,
        {{ pre_activity_aggregates(reference_rows ~ '.' ~ reference_at) }}

    from {{ reference_rows }}
    inner join pre_kept_activity
        on
            {{ reference_rows }}.customer_id = pre_kept_activity.customer_id
            and pre_kept_activity.activity_date < cast({{ reference_rows }}.{{ reference_at }} as date)
    group by {{ reference_rows }}.{{ row_key }}

),

pre_reference_own as (

    select
        {{ reference_rows }}.{{ row_key }},
        coalesce(pre_customers.account_ref, 'solo:' || {{ reference_rows }}.customer_id) as pre_account_key,
        {{ reference_rows }}.{{ reference_at }} as pre_reference_at,
        date_diff(
            'day', pre_sales_before.pre_last_purchase_at, {{ reference_rows }}.{{ reference_at }}
        ) as pre_recency_days,
        coalesce(pre_sales_before.pre_frequency, 0) as pre_frequency,
        coalesce(pre_sales_before.pre_monetary, 0) as pre_monetary,
        coalesce(pre_sales_before.pre_spend_30_days, 0) as pre_spend_30_days,
        coalesce(pre_activity_before.active_days_30, 0) as pre_active_days_30,
        coalesce(pre_activity_before.actions, 0) as pre_actions,
        case
            when pre_activity_before.active_minutes > 0
                then pre_activity_before.actions / pre_activity_before.active_minutes
        end as pre_intensity,
        case
            when pre_activity_before.{{ row_key }} is not null
                then {{ momentum_ratio(
                    'coalesce(pre_activity_before.actions_7_days, 0)',
                    'coalesce(pre_activity_before.actions_prior_30_days, 0)'
                ) }}
        end as pre_activity_momentum,
        date_diff(
            'day', pre_customers.first_signup_at, {{ reference_rows }}.{{ reference_at }}
        ) as pre_tenure_days,
        coalesce(pre_customers.is_admin, false) as is_admin,
        pre_sales_before.pre_last_purchase_at,
        pre_activity_before.pre_last_active_date

    from {{ reference_rows }}
    left join pre_sales_before on {{ reference_rows }}.{{ row_key }} = pre_sales_before.{{ row_key }}
    left join pre_activity_before on {{ reference_rows }}.{{ row_key }} = pre_activity_before.{{ row_key }}
    left join pre_customers on {{ reference_rows }}.customer_id = pre_customers.customer_id

),

pre_reference_times as (

    select distinct {{ reference_rows }}.{{ reference_at }} as pre_reference_at
    from {{ reference_rows }}

),

pre_account_members as (

    -- every customer of an account who had signed up by the reference time (an unknown signup counts),
    -- whether or not it is a reference row: the training set and the scoring set see the same account
    select
        pre_customers.customer_id,
        coalesce(pre_customers.is_admin, false) as is_admin,
        coalesce(pre_customers.account_ref, 'solo:' || pre_customers.customer_id) as pre_account_key,
        pre_reference_times.pre_reference_at

    from pre_customers
    cross join pre_reference_times
    where
        pre_customers.first_signup_at is null
        or pre_customers.first_signup_at < pre_reference_times.pre_reference_at

),

pre_member_activity as (

    select
        pre_account_members.pre_account_key,
        pre_account_members.pre_reference_at,
        pre_account_members.customer_id,
        pre_account_members.is_admin,
        count(pre_kept_activity.activity_date) as active_days,
        {{ pre_activity_aggregates('pre_account_members.pre_reference_at') }}

    from pre_account_members
    left join pre_kept_activity
        on
            pre_account_members.customer_id = pre_kept_activity.customer_id
            and pre_kept_activity.activity_date < cast(pre_account_members.pre_reference_at as date)
    group by
        pre_account_members.pre_account_key,
        pre_account_members.pre_reference_at,
        pre_account_members.customer_id,
        pre_account_members.is_admin

),

pre_account_context as (

    select
        pre_account_key,
        pre_reference_at,
        count(*) as pre_account_customers,
        -- fixed-point means: the same whatever order the rows come in
        cast(avg(cast(active_days_30 as decimal(18, 6))) as double) as pre_account_active_days_30,
        cast(avg(cast(case
            when active_days > 0
                then {{ momentum_ratio('coalesce(actions_7_days, 0)', 'coalesce(actions_prior_30_days, 0)') }}
        end as decimal(18, 6))) as double) as pre_account_activity_momentum,
        max(case when is_admin and active_minutes > 0 then actions / active_minutes end)
            as pre_account_admin_intensity

    from pre_member_activity
    group by pre_account_key, pre_reference_at

),

pre_reference_covariates as (

    select
        pre_reference_own.* exclude (pre_account_key, pre_reference_at),
        pre_account_context.pre_account_customers,
        pre_account_context.pre_account_active_days_30,
        pre_account_context.pre_account_activity_momentum,
        pre_account_context.pre_account_admin_intensity

    from pre_reference_own
    left join pre_account_context
        on
            pre_reference_own.pre_account_key = pre_account_context.pre_account_key
            and pre_reference_own.pre_reference_at = pre_account_context.pre_reference_at

)
{%- endmacro %}


{#-
    A customer's kept activity strictly before a reference time (`reference_at`, a column expression), as
    aggregates over the joined rows of pre_kept_activity: active days in the last 30, actions in the last
    7 and the 30 before those (momentum), all actions and all active minutes. One definition for the
    reference row's own covariates and for its account's members.
-#}
{% macro pre_activity_aggregates(reference_at) -%}
    count(pre_kept_activity.activity_date) filter (
        where pre_kept_activity.activity_date >= cast({{ reference_at }} as date) - 30
    ) as active_days_30,
    sum(pre_kept_activity.actions) filter (
        where pre_kept_activity.activity_date >= cast({{ reference_at }} as date) - 7
    ) as actions_7_days,
    sum(pre_kept_activity.actions) filter (
        where pre_kept_activity.activity_date >= cast({{ reference_at }} as date) - 37
        and pre_kept_activity.activity_date < cast({{ reference_at }} as date) - 7
    ) as actions_prior_30_days,
    sum(pre_kept_activity.actions) as actions,
    -- fixed-point sum: the same whatever order rows are added in
    cast(sum(cast(pre_kept_activity.active_minutes as decimal(18, 4))) as double) as active_minutes
{%- endmacro %}
