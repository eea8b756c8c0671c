-- Blind targeting, top propensity, Earmark's policy and (with truth) an oracle, side by side over the
-- scored users: accounts and users touched, expected incremental value by the model, true incremental
-- value where truth exists, cost, and how many sleeping dogs, admins with negative uplift and sure things
-- each one touches. Top propensity and the oracle take as many accounts as Earmark targets.
with

users as (

    select * from {{ ref('int_user_policy_exposure') }}

),

accounts as (

    select
        account_id,
        bool_or(is_targeted) as is_earmark_target,
        cast(avg(cast(conversion_propensity as decimal(18, 10))) as double) as mean_conversion_propensity,
        cast(sum(cast(true_uplift as decimal(18, 10))) as double) * {{ var('value_per_conversion') }}
        - count(*) * {{ var('cost_per_automated_user') }} as true_net_value

    from users
    group by account_id

),

budget as (

    select count(*) filter (where is_earmark_target) as target_accounts from accounts

),

ranked_accounts as (

    select
        accounts.*,
        row_number()
            over (order by accounts.mean_conversion_propensity desc nulls last, accounts.account_id asc)
            as propensity_rank,
        row_number() over (order by accounts.true_net_value desc nulls last, accounts.account_id asc) as oracle_rank

    from accounts

),

policy_members as (

    select
        'blind' as policy,
        account_id
    from ranked_accounts
    union all
    select
        'top_propensity' as policy,
        account_id
    from ranked_accounts
    where propensity_rank <= (select budget.target_accounts from budget)
    union all
    select
        'earmark' as policy,
        account_id
    from ranked_accounts
    where is_earmark_target
    union all
    select
        'oracle' as policy,
        account_id
    from ranked_accounts
    where
        oracle_rank <= (select budget.target_accounts from budget)
        and true_net_value is not null

),

touched as (

    select
        policy_members.policy,
        count(distinct policy_members.account_id) as accounts,
        count(*) as users,
        {{ var('value_per_conversion') }}
        * cast(sum(cast(users.predicted_uplift as decimal(18, 10))) as double) as expected_incremental_value,
        {{ var('value_per_conversion') }}
        * cast(sum(cast(users.true_uplift as decimal(18, 10))) as double) as true_incremental_value,
        {{ var('cost_per_automated_user') }} * count(*) as cost,
        count(*) filter (where users.is_predicted_sleeping_dog) as predicted_sleeping_dogs,
        count(*) filter (where users.is_admin and users.predicted_uplift < 0) as admins_negative_uplift,
        count(*) filter (where users.is_predicted_sure_thing) as predicted_sure_things,
        count(*) filter (where users.true_archetype = 'sleeping_dog') as true_sleeping_dogs,
        count(*) filter (where users.true_archetype = 'sure_thing') as true_sure_things,
        count(users.true_archetype) as users_with_truth

    from policy_members
    inner join users on policy_members.account_id = users.account_id
    group by policy_members.policy

),

final as (

    select
        policy,
        accounts,
        users,
        expected_incremental_value,
        cost,
        expected_incremental_value - cost as expected_net_value,
        case when users_with_truth > 0 then true_incremental_value end as true_incremental_value,
        case when users_with_truth > 0 then true_incremental_value - cost end as true_net_value,
        predicted_sleeping_dogs,
        admins_negative_uplift,
        predicted_sure_things,
        case when users_with_truth > 0 then true_sleeping_dogs end as true_sleeping_dogs,
        case when users_with_truth > 0 then true_sure_things end as true_sure_things

    from touched

)

select * from final
