-- Per treatment arm: may the policy differentiate on the model's uplift? Only when the uplift validates
-- out of sample: the lower bound of the inverse-propensity-weighted Qini coefficient's interval is above
-- zero. Otherwise every customer is treated alike, by the doubly robust average effect against the cost
-- of a nudge: treat_all when value x effect covers the cost per user, else treat_none (the value: the mean
-- of what a conversion is worth over the customers, int_customer_conversion_value).
with

conversion_value as (

    -- fixed-point, so the mean does not depend on row order
    select cast(avg(cast(conversion_value as decimal(38, 10))) as double) as mean_conversion_value
    from {{ ref('int_customer_conversion_value') }}

),

qini as (

    select
        arm,
        value as qini_coefficient,
        ci_low as qini_ci_low,
        ci_high as qini_ci_high

    from {{ ref('uplift_evaluation') }}
    where estimator = 'ipw' and metric = 'qini_coefficient'

),

average_effect as (

    select
        arm,
        dr_average_effect,
        dr_ci_low,
        dr_ci_high,
        dr_harm_bound,
        dr_benefit_bound

    from {{ ref('uplift_learner_comparison') }}
    where is_chosen

),

judged as (

    select
        average_effect.*,
        qini.qini_coefficient,
        qini.qini_ci_low,
        qini.qini_ci_high,
        coalesce(qini.qini_ci_low > 0, false) as is_validated,
        conversion_value.mean_conversion_value * average_effect.dr_average_effect
        > {{ renamed_var('cost_per_automated_customer') }} as covers_cost

    from average_effect
    cross join conversion_value
    left join qini on average_effect.arm = qini.arm

),

final as (

    select
        arm,
        qini_coefficient,
        qini_ci_low,
        qini_ci_high,
        dr_average_effect,
        dr_ci_low,
        dr_ci_high,
        dr_harm_bound,
        dr_benefit_bound,
        is_validated,
        case
            when is_validated then 'differentiate'
            when covers_cost then 'treat_all'
            else 'treat_none'
        end as decision,
        case
            when is_validated then 'The uplift validates out of sample (IPW Qini interval above zero): target by it'
            when covers_cost then 'The uplift does not validate: everyone alike, and the average effect covers the cost'
            else 'The uplift does not validate: everyone alike, and the average effect does not cover the cost'
        end as reason

    from judged

)

select * from final
