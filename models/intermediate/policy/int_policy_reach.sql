-- Which users each policy reaches, and by which channel: a call reaches every scored user of the
-- account, a nudge the users of its nudge_audience (int_policy_members). The grain the policies' true
-- values (policy_comparison) and doubly robust values (int_policy_values) are summed over.
with

members as (

    select * from {{ ref('int_policy_members') }}

),

users as (

    select * from {{ ref('int_customer_policy_exposure') }}

),

final as (

    select
        members.policy || ':' || users.customer_id as policy_reach_id,
        members.policy,
        members.account_id,
        users.customer_id,
        members.channel,
        members.nudge_audience

    from members
    inner join users on members.account_id = users.account_id
    where
        members.channel = 'human'
        or members.nudge_audience = 'every_scored_user'
        or (members.nudge_audience = 'model_audience' and users.is_in_nudge_audience)
        -- without truth the oracles have no members; a user without truth is reached
        or (members.nudge_audience = 'not_true_sleeping_dog' and not coalesce(users.is_true_sleeping_dog, false))

)

select * from final
