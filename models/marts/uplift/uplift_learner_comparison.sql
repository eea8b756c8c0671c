-- Per meta-learner and treatment arm: the doubly robust value of the policy it implies (treat where the
-- predicted net value is positive) with its interval, its gain over the T-learner baseline, its mean
-- predicted effect against the DR average-effect interval, and whether the build chose it.
select
    selection_row_id as learner_arm_id,
    campaign_id,
    learner,
    arm,
    rows as assignments,
    mean_predicted_effect,
    dr_average_effect,
    dr_ci_low,
    dr_ci_high,
    dr_harm_bound,
    dr_benefit_bound,
    is_consistent,
    rows_treated,
    policy_net_value,
    policy_ci_low,
    policy_ci_high,
    gain_over_baseline,
    gain_ci_low,
    gain_ci_high,
    is_chosen

from {{ ref('int_uplift_learner_selection') }}
where section = 'learner'
