-- The chosen learner's mean predicted effect must lie inside the doubly robust interval of the average
-- effect, per arm. A row here means the predictions are shifted against the evidence: the build warns,
-- and the report's uplift evidence page says so (it reads uplift_learner_comparison.is_consistent).
{{ config(severity='warn') }}

select
    learner,
    arm,
    mean_predicted_effect,
    dr_ci_low,
    dr_ci_high

from {{ ref('uplift_learner_comparison') }}
where is_chosen and not is_consistent
