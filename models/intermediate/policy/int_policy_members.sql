-- Which accounts each policy contacts, and by which channel (human or automated), over the accounts
-- with scored users:
--   blind           every account, automated
--   earmark         the accounts the gates target: human outreach (human) or automated nudge
--   top_propensity  as many accounts as Earmark, by the propensity baseline: the mean predicted
--                   conversion (binary outcome) or outcome without treatment (continuous outcome)
--   random          as many accounts as Earmark, by a seeded hash of the account id
--   oracle          as many accounts as Earmark, by true net value (only where truth exists)
--   free_oracle     every account whose true net value of a nudge is positive (only where truth exists)
with

users as (

    select * from {{ ref('int_user_policy_exposure') }}

),

accounts as (

    select
        account_id,
        bool_or(is_targeted) as is_earmark_target,
        bool_or(action = 'human_outreach') as is_earmark_call,
        -- the baseline score: conversion propensity for a binary outcome, else the outcome model without
        -- treatment (a model of that outcome, never account order)
        cast(
            avg(cast(coalesce(conversion_propensity, predicted_outcome_if_untreated) as decimal(38, 10)))
            as double
        ) as mean_baseline_score,
        cast(sum(cast(true_uplift as decimal(38, 10))) as double) * {{ var('value_per_conversion') }}
        - count(*) * {{ var('cost_per_automated_user') }} as true_net_value,
        {{ hash_fraction("account_id || ':random:' || '" ~ var('policy_seed') ~ "'") }} as random_draw

    from users
    group by account_id

),

budget as (

    select count(*) filter (where is_earmark_target) as target_accounts from accounts

),

ranked as (

    select
        accounts.*,
        row_number() over (order by accounts.mean_baseline_score desc nulls last, accounts.account_id asc)
            as baseline_rank,
        row_number() over (order by accounts.random_draw asc, accounts.account_id asc) as random_rank,
        row_number() over (order by accounts.true_net_value desc nulls last, accounts.account_id asc)
            as oracle_rank

    from accounts

),

members as (

    select
        'blind' as policy,
        account_id
    from ranked
    union all
    select
        'earmark' as policy,
        account_id
    from ranked
    where is_earmark_target
    union all
    select
        'top_propensity' as policy,
        account_id
    from ranked
    where baseline_rank <= (select budget.target_accounts from budget)
    union all
    select
        'random' as policy,
        account_id
    from ranked
    where random_rank <= (select budget.target_accounts from budget)
    union all
    select
        'oracle' as policy,
        account_id
    from ranked
    where oracle_rank <= (select budget.target_accounts from budget) and true_net_value is not null
    union all
    select
        'free_oracle' as policy,
        account_id
    from ranked
    where true_net_value > 0

)

select
    members.policy || ':' || members.account_id as policy_member_id,
    members.policy,
    members.account_id,
    case when members.policy = 'earmark' and ranked.is_earmark_call then 'human' else 'automated' end as channel

from members
inner join ranked on members.account_id = ranked.account_id
