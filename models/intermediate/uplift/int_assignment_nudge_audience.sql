-- Per assignment of the automated arms' campaign, out of fold: whether a nudge would reach the customer
-- under the policy's audience rule (macro nudge_audience), judged on the out-of-fold score of its most
-- favourable automated arm and that score's effect-group bounds, as int_customer_model_uplift judges
-- today's scores (an arm that does not validate gives its DR average effect and interval). The doubly
-- robust value of Earmark's policy (int_policy_values) reads it: judging a logged row by a score whose
-- model saw that row's outcome would flatter the policy.
with

scores as (

    select * from {{ ref('int_customer_arm_uplift') }}
    where not is_control_arm and scored_arm != '{{ var("human_outreach_arm") }}'

),

verdicts as (

    select * from {{ ref('int_uplift_arm_verdict') }}

),

customers as (

    select * from {{ ref('int_customer_features') }}

),

per_arm as (

    select
        scores.treatment_row_number,
        scores.customer_id,
        {{ validated_or_average('verdicts', 'scores.uplift', 'dr_average_effect') }} as uplift,
        {{ validated_or_average('verdicts', 'scores.uplift_upper_bound', 'dr_harm_bound') }} as uplift_upper_bound,
        {{ validated_or_average('verdicts', 'scores.uplift_lower_bound', 'dr_benefit_bound') }} as uplift_lower_bound

    from scores
    inner join verdicts on scores.scored_arm = verdicts.arm

),

best_arm as (

    select
        treatment_row_number,
        min(customer_id) as customer_id,
        max(uplift) as best_uplift,
        max(uplift_upper_bound) as best_upper_bound,
        max(uplift_lower_bound) as best_lower_bound

    from per_arm
    group by treatment_row_number

)

select
    best_arm.treatment_row_number,
    best_arm.customer_id,
    {{ nudge_audience(
        'coalesce(best_arm.best_upper_bound < 0, false)', 'customers.is_admin', 'best_arm.best_lower_bound > 0'
    ) }}
        as is_in_nudge_audience

from best_arm
left join customers on best_arm.customer_id = customers.customer_id
