-- Observed treated-minus-control outcome per decile of predicted uplift (decile 1 = highest predicted),
-- with bootstrap intervals, per arm and estimator.
select
    validation_row_id,
    arm,
    estimator,
    cast(position as integer) as decile,
    n as customers,
    n_treated,
    n_control,
    mean_predicted_uplift,
    treated_rate,
    control_rate,
    value as observed_uplift,
    ci_low,
    ci_high

from {{ ref('int_uplift_validation') }}
where section = 'decile'
