-- Per campaign assignment and arm: the uplift of the learner the build chose (uplift_learner_comparison),
-- the effect group the prediction falls in with that group's harm and benefit bounds (one-sided 95%
-- DR upper and lower bounds), and the best arm net of its cost. Costs apply here, downstream of the fit,
-- so changing one never refits.
with

scores as (

    select * from {{ ref('int_uplift_learner_scores') }}
    where score_basis = 'out_of_fold'

),

chosen as (

    -- the learner chosen for each treatment arm (each campaign is judged on its own)
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

control_learners as (

    -- the control arm's rows carry the learner of their assignment's treatment arm
    select
        scores.treatment_row_number,
        min(chosen.learner) as learner

    from scores
    inner join chosen on scores.scored_arm = chosen.arm
    group by scores.treatment_row_number

),

with_uplift as (

    select
        scores.*,
        control_learners.learner as chosen_learner,
        case control_learners.learner
            {% for learner in ['t_learner', 'x_learner', 'dr_learner'] %}
                when '{{ learner }}' then scores.uplift_{{ learner }}
            {% endfor %}
        end as uplift

    from scores
    inner join control_learners on scores.treatment_row_number = control_learners.treatment_row_number

),

grouped as (

    select
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

),

net as (

    -- a conversion valued at what it is worth for this customer (a constant, or per customer)
    select
        grouped.*,
        conversion_values.conversion_value * grouped.uplift
        - {{ renamed_var('cost_per_automated_customer') }} as net_value

    from grouped
    inner join {{ ref('int_customer_conversion_value') }} as conversion_values
        on grouped.customer_id = conversion_values.customer_id

),

best as (

    -- per assignment the treatment arm with the highest uplift and the one with the highest net value
    -- (ties: first arm by name), and the control arm's name for when neither is positive
    select
        treatment_row_number,
        first(scored_arm order by uplift desc, scored_arm asc) filter (where not is_control_arm) as top_arm,
        max(uplift) filter (where not is_control_arm) as top_uplift,
        first(scored_arm order by net_value desc, scored_arm asc) filter (where not is_control_arm) as top_net_arm,
        max(net_value) filter (where not is_control_arm) as top_net_value,
        max(scored_arm) filter (where is_control_arm) as control_arm

    from net
    group by treatment_row_number

)

select
    net.* exclude (net.net_value),
    case when best.top_uplift > 0 then best.top_arm else best.control_arm end as best_arm,
    case when best.top_net_value > 0 then best.top_net_arm else best.control_arm end as best_arm_net_of_cost,
    greatest(best.top_net_value, 0) as best_net_value

from net
inner join best on net.treatment_row_number = best.treatment_row_number
