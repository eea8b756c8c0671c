-- Per treatment arm, beside the segmentation verdict: whether the policy differentiates on the model's
-- uplift, or falls back to treating everyone alike (treat_all / treat_none by the DR average effect).
select
    arm,
    decision,
    reason,
    is_validated,
    qini_coefficient,
    qini_ci_low,
    qini_ci_high,
    dr_average_effect,
    dr_ci_low,
    dr_ci_high

from {{ ref('int_uplift_arm_verdict') }}
