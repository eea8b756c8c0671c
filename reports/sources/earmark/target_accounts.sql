-- The deployable list, ranked. The policy page joins account_actions for each account's link.
select *
from main.target_accounts
