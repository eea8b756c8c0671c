-- Which accounts each policy contacts, and by which channel (human or automated), over the accounts
-- with scored customers:
--   blind           every account, automated
--   earmark         the accounts the gates target: human outreach (human) or automated nudge
--   top_propensity  as many accounts as Earmark, by the propensity baseline: the mean predicted
--                   conversion (binary outcome) or outcome without treatment (continuous outcome)
--   random          as many accounts as Earmark, by a seeded hash of the account id
--   oracle          as many accounts as Earmark, by true net value (only where truth exists)
--   free_oracle     the best action per account by the truth, under the same human capacity: a call for
--                   the human_capacity accounts where a call's true net value beats the next best
--                   action most, a nudge for every other account where it truly pays (truth only)
-- A nudge reaches its audience (nudge_audience): Earmark's skips the customers its model predicts to be
-- sleeping dogs and the admins it predicts to be hurt (model_audience), the oracles' skip the true
-- sleeping dogs (they know who they are), and the baselines,
-- which have no model of harm, reach every scored customer. A call reaches every customer of the account.
with

customers as (

    select * from {{ ref('int_customer_policy_exposure') }}

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
        -- the true net value of a nudge to the oracles' audience: every scored customer but the true sleeping dogs
        {{ valued_sum('true_uplift', 'not is_true_sleeping_dog') }}
        - count(true_uplift) filter (where not is_true_sleeping_dog) * {{ renamed_var('cost_per_automated_customer') }}
            as true_net_value,
        {% if var('cost_per_human_account') is not none %}
            {{ valued_sum('true_call_uplift') }} - {{ var('cost_per_human_account') }}
        {% else %}
            cast(null as double)
        {% endif %} as true_call_net_value,
        {{ hash_fraction("account_id || ':random:' || '" ~ var('policy_seed') ~ "'") }} as random_draw

    from customers
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
            as oracle_rank,
        accounts.true_call_net_value - greatest(accounts.true_net_value, 0) as true_call_gain

    from accounts

),

oracle_calls as (

    select
        account_id,
        row_number() over (order by true_call_gain desc, account_id asc) as call_rank

    from ranked
    where true_call_gain > 0

),

free_oracle as (

    select
        ranked.account_id,
        {% set capacity = var('human_capacity') if var('human_capacity') is not none else 'oracle_calls.call_rank' %}
        coalesce(oracle_calls.call_rank <= {{ capacity }}, false) as is_call,
        ranked.true_net_value

    from ranked
    left join oracle_calls on ranked.account_id = oracle_calls.account_id

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
    from free_oracle
    where is_call or true_net_value > 0

)

select
    members.policy || ':' || members.account_id as policy_member_id,
    members.policy,
    members.account_id,
    case
        when members.policy = 'earmark' and ranked.is_earmark_call then 'human'
        when members.policy = 'free_oracle' and free_oracle.is_call then 'human'
        else 'automated'
    end as channel,
    case
        when members.policy = 'earmark' then 'model_audience'
        when members.policy in ('oracle', 'free_oracle') then 'not_true_sleeping_dog'
        else 'every_scored_customer'
    end as nudge_audience

from members
inner join ranked on members.account_id = ranked.account_id
inner join free_oracle on members.account_id = free_oracle.account_id
