-- Per campaign assignment and arm: predicted outcome under the arm, uplift against control, the best arm
-- net of its cost, the fold that scored it (out of sample), and the propensity baseline's score.
select
    -- ids
    user_arm_score_id,
    treatment_row_number,
    campaign_id,
    customer_id,
    scored_arm,

    -- scores
    predicted_outcome,
    uplift,
    fold,
    best_arm,
    best_arm_net_of_cost,
    best_net_value,
    conversion_propensity,
    treatment_propensity,

    -- what happened
    observed_arm,
    observed_outcome,
    is_control_arm

from {{ ref('uplift_user_scores') }}
