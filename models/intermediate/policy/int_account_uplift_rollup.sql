-- Customers rolled up to accounts (a customer without an account is its own account): scored customers,
-- admins, predicted sleeping dogs, summed uplift, and what acting would be worth and cost. A nudge goes to
-- the account's nudge audience (int_customer_policy_uplift.is_in_nudge_audience: its scored customers
-- except the predicted sleeping dogs and the admins predicted to be hurt), so its value and cost are summed
-- over that audience; a call reaches the whole account.
-- The value of a call is the summed predicted uplift of human outreach where a past campaign measured
-- it; without that evidence it is assumed to equal the nudge's (human_value_basis says which).
-- Each customer's uplift is valued at what a conversion of theirs is worth (int_customer_conversion_value:
-- a constant, or per customer), so accounts rank by LTV-weighted uplift when the value is per customer.
with

customers as (

    select * from {{ ref('int_customer_features') }}

),

customer_scores as (

    select
        policy_uplift.*,
        conversion_values.conversion_value

    from {{ ref('int_customer_policy_uplift') }} as policy_uplift
    inner join {{ ref('int_customer_conversion_value') }} as conversion_values
        on policy_uplift.customer_id = conversion_values.customer_id

),

accounts as (

    select
        coalesce(account_ref, 'solo:' || customer_id) as account_id,
        max(account_ref) as account_ref,
        count(*) as customers

    from customers
    group by coalesce(account_ref, 'solo:' || customer_id)

),

scored as (

    select
        account_id,
        count(*) as scored_customers,
        count(*) filter (where is_admin) as scored_admins,
        min(predicted_uplift) filter (where is_admin) as min_admin_uplift,
        min(predicted_call_uplift) filter (where is_admin) as min_admin_call_uplift,
        count(*) filter (where is_admin and is_predicted_sleeping_dog) as sleeping_dog_admins,
        count(*) filter (where is_predicted_sleeping_dog) as predicted_sleeping_dogs,
        count(predicted_call_uplift) as call_scored_customers,
        count(*) filter (where is_admin and is_predicted_call_sleeping_dog) as call_sleeping_dog_admins,
        count(*) filter (where is_in_nudge_audience) as nudge_audience_customers,
        cast(sum(cast(predicted_call_uplift as decimal(18, 10))) as double) as sum_predicted_call_uplift,
        -- fixed-point sums, so the total does not depend on the order rows are added in
        cast(sum(cast(predicted_uplift as decimal(18, 10))) as double) as sum_predicted_uplift,
        cast(sum(cast(predicted_uplift as decimal(18, 10))) filter (where is_in_nudge_audience) as double)
            as sum_audience_uplift,
        {{ valued_sum('predicted_uplift', 'is_in_nudge_audience') }} as audience_value,
        {{ valued_sum('predicted_uplift') }} as nudge_value_of_all_customers,
        {{ valued_sum('predicted_call_uplift') }} as call_value

    from customer_scores
    group by account_id

),

rolled_up as (

    select
        accounts.account_id,
        accounts.account_ref,
        accounts.customers,
        coalesce(scored.scored_customers, 0) as scored_customers,
        coalesce(scored.scored_admins, 0) as scored_admins,
        scored.min_admin_uplift,
        scored.min_admin_call_uplift,
        coalesce(scored.sleeping_dog_admins, 0) as sleeping_dog_admins,
        coalesce(scored.predicted_sleeping_dogs, 0) as predicted_sleeping_dogs,
        coalesce(scored.predicted_sleeping_dogs, 0) / nullif(scored.scored_customers, 0) as sleeping_dog_share,
        coalesce(scored.sum_predicted_uplift, 0) as sum_predicted_uplift,
        coalesce(scored.nudge_audience_customers, 0) as nudge_audience_customers,
        coalesce(scored.sum_audience_uplift, 0) as sum_audience_uplift,
        coalesce(scored.call_scored_customers, 0) as call_scored_customers,
        coalesce(scored.call_sleeping_dog_admins, 0) as call_sleeping_dog_admins,
        scored.sum_predicted_call_uplift,
        -- expected incremental conversions x value, and the cost of each channel: a nudge over its audience
        coalesce(scored.audience_value, 0) as expected_value,
        coalesce(scored.call_value, scored.nudge_value_of_all_customers, 0) as human_value,
        case
            when scored.call_scored_customers > 0 then 'call campaign'
            else 'assumed equal to the nudge (no call evidence)'
        end as human_value_basis,
        -- costs as double: a cost var of any precision (0.15, 1, 2.125) gives the same column type
        cast({{ renamed_var('cost_per_automated_customer') }} as double) * coalesce(scored.nudge_audience_customers, 0)
            as automated_cost,
        {% if var('cost_per_human_account') is not none %}
            cast({{ var('cost_per_human_account') }} as double)
        {% else %}
            cast(null as double)
        {% endif %} as human_cost

    from accounts
    left join scored on accounts.account_id = scored.account_id

)

select * from rolled_up
