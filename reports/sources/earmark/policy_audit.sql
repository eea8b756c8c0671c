-- Actions against true archetypes (only when the input carries truth).
-- Without the deprecated copies of customers and reached_customers.
select * exclude (users, reached_users) from main.policy_audit
