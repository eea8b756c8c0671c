-- Per campaign assignment and arm: predicted outcome under the arm, every learner's uplift against
-- control and the chosen one's, its effect group's DR upper bound, the best arm net of its cost, the fold
-- that scored it (out of sample), the AIPW pseudo-outcome, the propensities and the propensity baseline.
select
    -- ids
    customer_arm_score_id,
    treatment_row_number,
    campaign_id,
    customer_id,
    scored_arm,

    -- scores
    predicted_outcome,
    uplift,
    chosen_learner,
    uplift_t_learner,
    uplift_x_learner,
    uplift_dr_learner,
    effect_group,
    uplift_upper_bound,
    fold,
    best_arm,
    best_arm_net_of_cost,
    best_net_value,
    conversion_propensity,
    treatment_propensity,
    arm_propensity,
    propensity_clip,
    pseudo_outcome,

    -- what happened
    observed_arm,
    observed_outcome,
    is_control_arm

from {{ ref('int_customer_arm_uplift') }}
