-- Accounts each gate decided, in gate order.
select
    gate,
    gate_order,
    action,
    accounts,
    scored_customers::double as scored_customers,
    expected_value,
    accounts_remaining::double as accounts_remaining
from main.policy_funnel
