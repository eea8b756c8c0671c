-- The Qini curve: incremental outcomes gained by targeting the top fraction by predicted uplift, against
-- the random-targeting line, with a bootstrap band, per arm and estimator.
select
    validation_row_id,
    arm,
    estimator,
    position as fraction_targeted,
    value as incremental_gain,
    ci_low,
    ci_high,
    random_gain

from {{ ref('int_uplift_validation') }}
where section = 'curve'
