-- Per customer, from Earmark's model: the predicted uplift of the best automated arm of the policy
-- campaign (negative when every arm would hurt) and, where a past campaign tried human outreach
-- (var human_outreach_arm), the predicted uplift of a call; each from the learner chosen for its arm,
-- averaged over a customer's assignments, with the upper bound of the DR interval of the effect group it
-- falls in (below zero: evidence of harm). An arm whose uplift does not validate (int_uplift_arm_verdict)
-- is not differentiated on: every customer gets its DR average effect, and its interval's upper bound.
with

scores as (

    select * from {{ ref('int_user_arm_uplift') }}
    where not is_control_arm

),

verdicts as (

    select * from {{ ref('int_uplift_arm_verdict') }}

),

policy_scores as (

    select
        scores.treatment_row_number,
        scores.customer_id,
        scores.scored_arm = '{{ var("human_outreach_arm") }}' as is_human_arm,
        case when verdicts.is_validated then scores.uplift else verdicts.dr_average_effect end as uplift,
        case when verdicts.is_validated then scores.uplift_upper_bound else verdicts.dr_ci_high end
            as uplift_upper_bound

    from scores
    inner join verdicts on scores.scored_arm = verdicts.arm

),

best_per_assignment as (

    select
        treatment_row_number,
        customer_id,
        is_human_arm,
        max(uplift) as best_uplift,
        -- every arm is evidently harmful only when even the most favourable arm's bound is below zero
        max(uplift_upper_bound) as best_upper_bound

    from policy_scores
    group by treatment_row_number, customer_id, is_human_arm

)

select
    customer_id,
    avg(best_uplift) filter (where not is_human_arm) as predicted_uplift,
    max(best_upper_bound) filter (where not is_human_arm) as uplift_upper_bound,
    avg(best_uplift) filter (where is_human_arm) as predicted_call_uplift,
    max(best_upper_bound) filter (where is_human_arm) as call_upper_bound

from best_per_assignment
where customer_id is not null
group by customer_id
-- a customer scored only for a call still needs an automated score to be acted on
having count(*) filter (where not is_human_arm) > 0
