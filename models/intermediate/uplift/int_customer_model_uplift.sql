-- One predicted uplift per customer from Earmark's model for the policy: the best treatment arm's uplift
-- (negative when every arm would hurt), averaged over a customer's assignments in the campaign.
with

scores as (

    select * from {{ ref('uplift_user_scores') }}
    where not is_control_arm

),

best_per_assignment as (

    select
        treatment_row_number,
        customer_id,
        max(uplift) as best_uplift

    from scores
    group by treatment_row_number, customer_id

)

select
    customer_id,
    avg(best_uplift) as predicted_uplift

from best_per_assignment
where customer_id is not null
group by customer_id
