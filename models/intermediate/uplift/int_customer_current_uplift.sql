-- Per current customer and treatment arm: the uplift of the learner chosen for the arm, scored on the
-- covariates as of the as-of date (int_uplift_learner_scores, score_basis 'current'), and the effect group that
-- score falls in, with the group's harm and benefit bounds, the one-sided 95% DR upper and lower bounds
-- (groups and bounds from the out-of-fold evidence: uplift_effect_groups).
with

scores as (

    select * from {{ ref('int_uplift_learner_scores') }}
    where score_basis = 'current'

),

chosen as (

    select
        arm,
        learner

    from {{ ref('uplift_learner_comparison') }}
    where is_chosen

),

groups as (

    select groups.*
    from {{ ref('uplift_effect_groups') }} as groups
    inner join chosen on groups.arm = chosen.arm and groups.learner = chosen.learner

),

with_uplift as (

    select
        scores.customer_id,
        scores.campaign_id,
        scores.scored_arm,
        chosen.learner as chosen_learner,
        case chosen.learner
            {% for learner in ['t_learner', 'x_learner', 'dr_learner'] %}
                when '{{ learner }}' then scores.uplift_{{ learner }}
            {% endfor %}
        end as uplift

    from scores
    inner join chosen on scores.scored_arm = chosen.arm

)

select
    with_uplift.customer_id || ':' || with_uplift.scored_arm as customer_arm_id,
    with_uplift.*,
    groups.effect_group,
    groups.dr_harm_bound as uplift_upper_bound,
    groups.dr_benefit_bound as uplift_lower_bound

from with_uplift
left join groups
    on
        with_uplift.scored_arm = groups.arm
        and with_uplift.uplift >= groups.group_lower
        and with_uplift.uplift < groups.group_upper
