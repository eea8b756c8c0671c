-- Cumulative net value against the share of candidate accounts targeted.
select * from main.budget_curve
