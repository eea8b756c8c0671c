-- Per current customer, from Earmark's model scored on today's covariates (int_customer_current_uplift,
-- every customer, whether or not a campaign reached them): the predicted uplift of the best automated arm
-- of the policy campaign (negative when every arm would hurt) and, where a past campaign tried human
-- outreach (var human_outreach_arm), the predicted uplift of a call; each from the learner chosen for its
-- arm, with the harm and benefit bounds (one-sided 95% DR upper and lower bounds) of the effect group it
-- falls in (below zero, evidence of harm; above zero, evidence of help). That evidence comes from the
-- people a campaign reached: a customer the arm's campaign never reached is scored, but gets no harm
-- bound, so it is never flagged as a sleeping dog on an extrapolation (its benefit bound stays: asking
-- for evidence of help is the cautious side).
-- An arm whose uplift does not validate (int_uplift_arm_verdict)
-- is not differentiated on: every customer gets its DR average effect, and its bounds.
with

scores as (

    select * from {{ ref('int_customer_current_uplift') }}

),

verdicts as (

    select * from {{ ref('int_uplift_arm_verdict') }}

),

reached as (

    -- the customers each arm's campaign reached (an out-of-fold row of that arm)
    select distinct
        customer_id,
        scored_arm

    from {{ ref('int_customer_arm_uplift') }}
    where not is_control_arm

),

policy_scores as (

    select
        scores.customer_id,
        scores.scored_arm = '{{ var("human_outreach_arm") }}' as is_human_arm,
        {{ validated_or_average('verdicts', 'scores.uplift', 'dr_average_effect') }} as uplift,
        case
            when reached.customer_id is not null
                then {{ validated_or_average('verdicts', 'scores.uplift_upper_bound', 'dr_harm_bound') }}
        end as uplift_upper_bound,
        {{ validated_or_average('verdicts', 'scores.uplift_lower_bound', 'dr_benefit_bound') }} as uplift_lower_bound

    from scores
    inner join verdicts on scores.scored_arm = verdicts.arm
    left join reached on scores.customer_id = reached.customer_id and scores.scored_arm = reached.scored_arm

),

best_per_channel as (

    select
        customer_id,
        is_human_arm,
        max(uplift) as best_uplift,
        -- every arm is evidently harmful only when even the most favourable arm's bound is below zero
        max(uplift_upper_bound) as best_upper_bound,
        -- some arm evidently helps
        max(uplift_lower_bound) as best_lower_bound

    from policy_scores
    group by customer_id, is_human_arm

)

select
    customer_id,
    max(best_uplift) filter (where not is_human_arm) as predicted_uplift,
    max(best_upper_bound) filter (where not is_human_arm) as uplift_upper_bound,
    max(best_lower_bound) filter (where not is_human_arm) as uplift_lower_bound,
    max(best_uplift) filter (where is_human_arm) as predicted_call_uplift,
    max(best_upper_bound) filter (where is_human_arm) as call_upper_bound

from best_per_channel
where customer_id is not null
group by customer_id
-- a customer scored only for a call still needs an automated score to be acted on
having count(*) filter (where not is_human_arm) > 0
