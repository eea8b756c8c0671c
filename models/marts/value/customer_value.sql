-- Customer lifetime value as the field computes it: per customer with a kept sale before the as-of date,
-- BG/NBD's expected purchases over the horizon times Gamma-Gamma's expected spend per purchase.
select
    -- ids
    customer_id,

    -- dates
    cast(first_purchase_date as date) as first_purchase_date,
    cast(last_purchase_date as date) as last_purchase_date,

    -- behaviour, in the models' time unit (var value_time_unit_days)
    purchase_days,
    frequency,
    recency,
    age,
    monetary,

    -- predictions over the horizon
    probability_alive,
    expected_purchases,
    expected_spend,
    clv,
    horizon_days

from {{ ref('int_customer_value') }}
