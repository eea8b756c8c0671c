-- Does the purchase model predict? Per calibration frequency bucket, the mean repeat purchase days the
-- calibration BG/NBD predicted for the holdout next to the mean the customers made.
select
    -- ids
    frequency_bucket,
    bucket_order,

    -- numerics
    customers,
    mean_predicted_purchases,
    mean_actual_purchases,
    holdout_days

from {{ ref('int_customer_value_calibration') }}
