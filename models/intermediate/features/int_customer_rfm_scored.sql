-- Recency, frequency and monetary per customer with a kept sale, their quintile scores (ties share a
-- score, see macro quantile_score) and the RFM code.
with

sales as (

    select * from {{ ref('int_customer_sales_features') }}
    where frequency > 0

),

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

measured as (

    select
        sales.customer_id,
        sales.frequency,
        {{ dbt.datediff(
            'cast(sales.last_purchase_at as date)',
            'as_of.as_of_date',
            'day'
        ) }} as recency_days,
        -- net of the customer's own cancellations and returns, never below zero
        greatest(sales.gross_sales + sales.reversed_value, 0) as monetary

    from sales
    cross join as_of

),

scored as (

    select
        *,
        {{ quantile_score('recency_days', higher_is_better=false) }} as r_score,
        {{ quantile_score('frequency') }} as f_score,
        {{ quantile_score('monetary') }} as m_score

    from measured

)

select
    *,
    cast(r_score as {{ dbt.type_string() }})
    || cast(f_score as {{ dbt.type_string() }})
    || cast(m_score as {{ dbt.type_string() }}) as rfm_code

from scored
