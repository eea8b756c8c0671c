-- Blind targeting, Earmark's policy, top propensity, random at Earmark's size and (with truth) the
-- oracles, side by side over the scored customers: accounts (and how many by a call) and customers touched (a
-- call touches the whole account, a nudge its audience: int_policy_reach);
-- the doubly robust estimate of incremental and net value on the logged campaigns with its
-- account-bootstrap interval (int_policy_values, from out-of-fold pseudo-outcomes, so it needs no truth);
-- the true values where truth exists, to check the estimate against; cost; and the sleeping dogs,
-- admins and sure things each policy touches.
with

customers as (

    select * from {{ ref('int_customer_policy_exposure') }}

),

members as (

    -- the customers each policy reaches: a call every customer of the account, a nudge its audience
    select * from {{ ref('int_policy_reach') }}

),

sleeping_dog_admin_accounts as (

    -- accounts where an admin is truly a sleeping dog, whether or not the nudge reaches that admin
    select account_id
    from customers
    group by account_id
    having bool_or(is_admin and true_archetype = 'sleeping_dog')

),

estimates as (

    select * from {{ ref('int_policy_values') }}

),

touched as (

    select
        members.policy,
        count(distinct members.account_id) as accounts,
        count(distinct members.account_id) filter (where members.channel = 'human') as human_accounts,
        count(*) as customers,
        -- a call's true uplift for the accounts a policy calls, the nudge's for the others
        {{ valued_sum(
            "case when members.channel = 'human' then coalesce(customers.true_call_uplift, 0) else customers.true_uplift end"
        ) }} as true_incremental_value,
        cast({{ renamed_var('cost_per_automated_customer') }} as double)
        * count(*) filter (where members.channel = 'automated')
        {% if var('cost_per_human_account') is not none %}
            + cast({{ var('cost_per_human_account') }} as double)
            * count(distinct members.account_id) filter (where members.channel = 'human')
        {% endif %} as cost,
        count(*) filter (where customers.is_predicted_sleeping_dog) as predicted_sleeping_dogs,
        count(*) filter (where customers.is_admin and customers.is_predicted_sleeping_dog)
            as predicted_sleeping_dog_admins,
        count(*) filter (where customers.is_predicted_sure_thing) as predicted_sure_things,
        count(*) filter (where customers.true_archetype = 'sleeping_dog') as true_sleeping_dogs,
        count(*) filter (where customers.is_admin and customers.true_archetype = 'sleeping_dog')
            as true_sleeping_dog_admins,
        count(distinct members.account_id) filter (
            where members.channel = 'human' and customers.is_admin and customers.true_archetype = 'sleeping_dog'
        ) as called_accounts_with_sleeping_dog_admin,
        count(distinct sleeping_dog_admin_accounts.account_id) filter (where members.channel = 'automated')
            as nudged_accounts_with_sleeping_dog_admin,
        count(distinct members.account_id) filter (
            where members.channel = 'automated' and customers.is_admin and customers.true_archetype = 'sleeping_dog'
        ) as nudged_accounts_reaching_sleeping_dog_admin,
        count(*) filter (where customers.true_archetype = 'sure_thing') as true_sure_things,
        count(customers.true_archetype) as customers_with_truth

    from members
    inner join customers on members.customer_id = customers.customer_id
    left join sleeping_dog_admin_accounts on members.account_id = sleeping_dog_admin_accounts.account_id
    group by members.policy

),

final as (

    select
        touched.policy,
        touched.accounts,
        touched.human_accounts,
        touched.customers,
        touched.cost,
        estimates.dr_incremental_value,
        estimates.dr_incremental_ci_low,
        estimates.dr_incremental_ci_high,
        estimates.dr_net_value,
        estimates.dr_net_ci_low,
        estimates.dr_net_ci_high,
        case when touched.customers_with_truth > 0 then touched.true_incremental_value end as true_incremental_value,
        case when touched.customers_with_truth > 0 then touched.true_incremental_value - touched.cost end
            as true_net_value,
        case
            when touched.customers_with_truth > 0 and estimates.dr_net_value is not null
                then
                    touched.true_incremental_value - touched.cost
                    between estimates.dr_net_ci_low and estimates.dr_net_ci_high
        end as is_true_value_in_interval,
        touched.predicted_sleeping_dogs,
        touched.predicted_sleeping_dog_admins,
        touched.predicted_sure_things,
        case when touched.customers_with_truth > 0 then touched.true_sleeping_dogs end as true_sleeping_dogs,
        case when touched.customers_with_truth > 0 then touched.true_sleeping_dog_admins end
            as true_sleeping_dog_admins,
        case when touched.customers_with_truth > 0 then touched.called_accounts_with_sleeping_dog_admin end
            as called_accounts_with_sleeping_dog_admin,
        case when touched.customers_with_truth > 0 then touched.nudged_accounts_with_sleeping_dog_admin end
            as nudged_accounts_with_sleeping_dog_admin,
        case when touched.customers_with_truth > 0 then touched.nudged_accounts_reaching_sleeping_dog_admin end
            as nudged_accounts_reaching_sleeping_dog_admin,
        case when touched.customers_with_truth > 0 then touched.true_sure_things end as true_sure_things,

        -- deprecated: the former names of customers, kept for one release
        touched.customers as users

    from touched
    left join estimates on touched.policy = estimates.policy

)

select * from final
