-- Blind, top-propensity, Earmark and (with truth) oracle policies at the same budget.
select * replace (cost::double as cost)
from main.policy_comparison
