-- Every account with every gate's inputs and flags, its action and the reason.
select * replace (automated_cost::double as automated_cost)
from main.account_actions
