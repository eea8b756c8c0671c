-- Deprecated: the former name of customer_uplift_scores, kept for one release so that existing queries
-- keep working. The same rows and columns in their old order, the key under its old name
-- user_arm_score_id, and the new key customer_arm_score_id beside it to move to. Goes in the next release.
with

scores as (

    select * from {{ ref('customer_uplift_scores') }}

),

final as (

    select
        -- ids
        customer_arm_score_id as user_arm_score_id,
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
        is_control_arm,

        -- the replacement's key
        customer_arm_score_id

    from scores

)

select * from final
