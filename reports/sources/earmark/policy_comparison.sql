-- Blind, Earmark, top propensity, random and (with truth) the oracles: DR estimates and true values.
select *
from main.policy_comparison
