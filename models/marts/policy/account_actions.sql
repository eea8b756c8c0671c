-- One row per account: every gate's inputs and flag, the gate that decided, the action and its reason,
-- expected value, cost and net value, beside the account's own attributes from accounts.parquet (null
-- for a solo customer, or when the file is absent or does not list the account).
with

gates as (

    select * from {{ ref('int_account_policy_gates') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts') }}

),

gates_with_accounts as (

    select
        gates.*,
        accounts.plan,
        accounts.seats,
        accounts.annual_value,
        accounts.created_at as account_created_at

    from gates
    -- account_ref is unique in stg_raw__accounts (its test), so the join keeps one row per account
    left join accounts on gates.account_ref = accounts.account_ref

),

final as (

    select
        -- ids
        account_id,
        account_ref,

        -- account attributes
        plan,
        seats,
        annual_value,
        account_created_at,

        -- decision
        action,
        deciding_gate,
        reason,

        -- gate inputs
        customers,
        scored_customers,
        scored_admins,
        min_admin_uplift,
        min_admin_call_uplift,
        sleeping_dog_admins,
        call_sleeping_dog_admins,
        predicted_sleeping_dogs,
        nudge_audience_customers,
        sleeping_dog_share,
        sum_predicted_uplift,
        sum_predicted_call_uplift,
        human_gain,
        human_rank,

        -- gate flags
        is_no_scores,
        is_admin_veto,
        is_toxic_customers,
        is_unprofitable,
        is_too_small,
        is_holdout_draw,
        covers_human_outreach,

        -- value
        expected_value,
        human_value,
        human_value_basis,
        automated_cost,
        human_cost,
        action_cost,
        case action
            when 'human_outreach' then human_value - action_cost
            when 'automated_nudge' then expected_value - action_cost
        end as net_value,

        -- deprecated: the former names of customers, scored_customers, nudge_audience_customers and
        -- is_toxic_customers, kept for one release
        customers as users,
        scored_customers as scored_users,
        nudge_audience_customers as nudge_audience_users,
        is_toxic_customers as is_toxic_users

    from gates_with_accounts

)

select * from final
