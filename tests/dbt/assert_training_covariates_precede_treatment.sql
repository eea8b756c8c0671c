-- No leakage: every purchase and activity the training covariates are built from happened before the
-- campaign reached the customer.
select
    treatment_row_number,
    treated_at,
    pre_last_purchase_at,
    pre_last_active_date

from {{ ref('int_campaign_training_set') }}
where
    pre_last_purchase_at >= treated_at
    or pre_last_active_date >= cast(treated_at as date)
