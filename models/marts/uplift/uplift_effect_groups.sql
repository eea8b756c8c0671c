-- Sorted group average effects per meta-learner and treatment arm: assignments in quantile groups of
-- their predicted effect, and per group the doubly robust mean effect with its interval, its harm bound
-- (the one-sided 95% upper bound) and its benefit bound (the one-sided 95% lower bound). A group whose
-- harm bound is below zero is one where the evidence, not a point estimate, says the treatment hurts;
-- one whose benefit bound is above zero, where it says the treatment helps.
select
    selection_row_id as effect_group_id,
    campaign_id,
    learner,
    arm,
    effect_group,
    rows as assignments,
    group_lower,
    group_upper,
    mean_predicted_effect,
    dr_average_effect,
    dr_ci_low,
    dr_ci_high,
    dr_harm_bound,
    dr_benefit_bound

from {{ ref('int_uplift_learner_selection') }}
where section = 'effect_group'
