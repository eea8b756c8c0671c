-- Blind, Earmark, top propensity, random and (with truth) the oracles: DR estimates and true values.
-- Without the deprecated copy of customers.
select * exclude (users)
from main.policy_comparison
