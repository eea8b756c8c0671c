-- Held-out validation per treatment arm: Qini coefficient, AUUC, uplift at 10/20/30% and the average
-- effect, with bootstrap intervals. estimator 'randomised' assumes random assignment; 'ipw' reweights by
-- the inverse treatment propensity and is the one to read when assignment was biased (assignment_auc
-- well above 0.5 says it was).
select
    validation_row_id,
    arm,
    estimator,
    metric,
    value,
    ci_low,
    ci_high,
    assignment_auc,
    rows_evaluated

from {{ ref('int_uplift_validation') }}
where section = 'summary'
