-- Accounts each gate decided, in gate order.
select
    gate,
    gate_order,
    action,
    accounts,
    scored_users::double as scored_users,
    expected_value,
    accounts_remaining::double as accounts_remaining
from main.policy_funnel
