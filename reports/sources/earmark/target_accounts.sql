-- The deployable list, ranked. The policy page joins account_actions for each account's link.
-- Without the deprecated copy of scored_customers.
select * exclude (scored_users)
from main.target_accounts
