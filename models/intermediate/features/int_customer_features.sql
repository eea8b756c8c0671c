-- One row per resolved customer: who they are, how they buy and use the product, their RFM segment, and
-- any attribute columns the customers input carries (covariates for segmentation and uplift models).
with

customers as (

    select * from {{ ref('int_customers_resolved') }}

),

sales as (

    select * from {{ ref('int_customer_sales_features') }}

),

activity as (

    select * from {{ ref('int_customer_activity_features') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

segments as (

    select * from {{ ref('int_customer_segments_assigned') }}

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

final as (

    select
        -- ids
        customers.customer_id,
        customers.account_ref,
        customers.email,

        -- dimensions
        customers.country,
        customers.role,
        segments.rfm_segment,
        rfm.rfm_code,

        -- rfm
        rfm.recency_days,
        coalesce(sales.frequency, 0) as frequency,
        coalesce(rfm.monetary, 0) as monetary,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,

        -- further purchase behaviour
        coalesce(sales.gross_sales, 0) as gross_sales,
        coalesce(sales.reversed_value, 0) as reversed_value,
        case when sales.frequency > 0 then sales.gross_sales / sales.frequency end as average_order_value,
        case
            when sales.frequency + sales.cancelled_invoices > 0
                then sales.cancelled_invoices / (sales.frequency + sales.cancelled_invoices)
        end as cancellation_rate,
        case when sales.distinct_products > 0 then sales.repeated_products / sales.distinct_products end
            as repeat_rate,
        case when sales.gross_sales > 0 then sales.largest_month_spend / sales.gross_sales end as seasonality,
        sales.spend_momentum,

        -- product usage (null when the customer has no activity: not estimable)
        activity.active_days,
        activity.sessions,
        activity.actions,
        activity.active_minutes,
        activity.intensity,
        activity.activity_momentum,

        -- tenure: from the first signup or first purchase, whichever came first
        {{ dbt.datediff(
            'cast(least(customers.first_signup_at, sales.first_purchase_at,'
            ~ ' cast(activity.first_active_date as timestamp)) as date)',
            'as_of.as_of_date',
            'day'
        ) }} as tenure_days,

        -- identity
        customers.record_count,
        customers.customer_ref_count,

        -- booleans
        coalesce(customers.is_admin, false) as is_admin,
        customers.is_premium,

        -- timestamps
        customers.first_signup_at,
        sales.first_purchase_at,
        sales.last_purchase_at,
        as_of.as_of_date,

        -- attributes: further columns of the customers input, as given
        {{ customer_attribute_columns('customers') }}

    from customers
    cross join as_of
    left join sales on customers.customer_id = sales.customer_id
    left join activity on customers.customer_id = activity.customer_id
    left join rfm on customers.customer_id = rfm.customer_id
    left join segments on customers.customer_id = segments.customer_id

)

select * from final
