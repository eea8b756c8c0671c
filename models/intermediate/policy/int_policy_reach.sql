-- Which customers each policy reaches, and by which channel: a call reaches every scored customer of
-- the account, a nudge the customers of its nudge_audience (int_policy_members). The grain the policies' true
-- values (policy_comparison) and doubly robust values (int_policy_values) are summed over.
with

members as (

    select * from {{ ref('int_policy_members') }}

),

customers as (

    select * from {{ ref('int_customer_policy_exposure') }}

),

final as (

    select
        members.policy || ':' || customers.customer_id as policy_reach_id,
        members.policy,
        members.account_id,
        customers.customer_id,
        members.channel,
        members.nudge_audience

    from members
    inner join customers on members.account_id = customers.account_id
    where
        members.channel = 'human'
        or members.nudge_audience = 'every_scored_customer'
        or (members.nudge_audience = 'model_audience' and customers.is_in_nudge_audience)
        -- without truth the oracles have no members; a customer without truth is reached
        or (members.nudge_audience = 'not_true_sleeping_dog' and not coalesce(customers.is_true_sleeping_dog, false))

)

select * from final
