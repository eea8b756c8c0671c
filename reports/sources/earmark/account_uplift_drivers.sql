-- Why the uplift model scored each account's customers as it did: the top three drivers of a surrogate of
-- the chosen learner's uplift, with the surrogate's fidelity (pages/accounts/lookup.md).
-- Without the deprecated copy of scored_customers.
select * exclude (scored_users) from main.account_uplift_drivers
