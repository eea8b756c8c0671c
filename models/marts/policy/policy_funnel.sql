-- How the accounts flow through the gates: per gate in order, the accounts it decided, their action,
-- and the accounts still in play after it.
with

actions as (

    select * from {{ ref('account_actions') }}

),

gate_order as (

    select * from {{ ref('policy_gates') }}

),

decided as (

    select
        deciding_gate as gate,
        count(*) as accounts,
        sum(scored_customers) as scored_customers,
        -- fixed point: a float sum varies in its last bits with the order rows are added in
        cast(sum(cast(expected_value as decimal(38, 10))) as double) as expected_value

    from actions
    group by deciding_gate

),

final as (

    select
        gate_order.gate,
        gate_order.gate_order,
        gate_order.action,
        coalesce(decided.accounts, 0) as accounts,
        coalesce(decided.scored_customers, 0) as scored_customers,
        coalesce(decided.expected_value, 0) as expected_value,
        (select count(*) from actions)
        - sum(coalesce(decided.accounts, 0)) over (order by gate_order.gate_order) as accounts_remaining,

        -- deprecated: the former names of scored_customers, kept for one release
        coalesce(decided.scored_customers, 0) as scored_users

    from gate_order
    left join decided on gate_order.gate = decided.gate

)

select * from final
