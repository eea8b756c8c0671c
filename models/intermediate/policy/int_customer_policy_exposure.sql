-- Per scored user: predicted uplift, the propensity baseline's score, the action their account got,
-- whether that action reaches them (a call reaches the whole account; a nudge its audience: every scored
-- user but the predicted sleeping dogs and the admins predicted to be hurt), and the truth (archetype,
-- true uplift of the nudge and of a call) where the input carries it. The grain of every policy
-- comparison.
with

user_scores as (

    select * from {{ ref('int_customer_policy_uplift') }}

),

model_scores as (

    -- control-arm prediction and propensity baseline, averaged over a customer's assignments (in fixed
    -- point: a float mean of three or more values varies in its last bits with the order they come in)
    select
        customer_id,
        cast(avg(cast(predicted_outcome as decimal(38, 10))) as double) as predicted_outcome_if_untreated,
        cast(avg(cast(conversion_propensity as decimal(38, 10))) as double) as conversion_propensity

    from {{ ref('int_uplift_learner_scores') }}
    where is_control_arm
    group by customer_id

),

actions as (

    select * from {{ ref('int_account_policy_gates') }}

),

truth_users as (

    select * from {{ ref('stg_raw__truth_users') }}

),

call_campaigns as (

    select max(campaign_id) as campaign_id
    from {{ ref('stg_raw__treatments') }}
    where arm = '{{ var("human_outreach_arm") }}'

),

call_truth as (

    -- a call's true uplift per person, from the latest campaign with the human-outreach arm
    select
        true_person_id,
        cast(avg(cast(true_uplift as decimal(38, 10))) as double) as true_call_uplift

    from {{ ref('stg_raw__truth_effects') }}
    where campaign_id in (select call_campaigns.campaign_id from call_campaigns)
    group by true_person_id

),

customer_truth as (

    select * from {{ ref('int_customer_true_persons') }}

),

final as (

    select
        user_scores.customer_id,
        user_scores.account_id,
        user_scores.is_admin,
        user_scores.predicted_uplift,
        user_scores.is_predicted_sleeping_dog,
        model_scores.predicted_outcome_if_untreated,
        model_scores.conversion_propensity,
        coalesce(
            model_scores.predicted_outcome_if_untreated >= {{ var('sure_thing_min_probability') }}
            and abs(user_scores.predicted_uplift) < {{ var('sure_thing_max_abs_uplift') }},
            false
        ) as is_predicted_sure_thing,
        actions.action,
        -- the audience a nudge of the account would reach (int_customer_policy_uplift' rule)
        user_scores.is_in_nudge_audience,
        coalesce(
            actions.action = 'human_outreach'
            or (actions.action = 'automated_nudge' and user_scores.is_in_nudge_audience),
            false
        ) as is_targeted,
        -- what a conversion of this user is worth to the policy; the truth columns' values use it too, so
        -- predicted and true value are in the same terms
        conversion_values.conversion_value,
        truth_users.archetype as true_archetype,
        truth_users.archetype = 'sleeping_dog' as is_true_sleeping_dog,
        truth_users.true_uplift,
        call_truth.true_call_uplift

    from user_scores
    inner join {{ ref('int_customer_conversion_value') }} as conversion_values
        on user_scores.customer_id = conversion_values.customer_id
    left join model_scores on user_scores.customer_id = model_scores.customer_id
    left join actions on user_scores.account_id = actions.account_id
    left join customer_truth on user_scores.customer_id = customer_truth.customer_id
    left join truth_users on customer_truth.true_person_id = truth_users.true_person_id
    left join call_truth on customer_truth.true_person_id = call_truth.true_person_id

)

select * from final
