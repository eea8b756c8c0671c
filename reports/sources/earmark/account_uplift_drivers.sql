-- Why the uplift model scored each account's users as it did: the top three drivers of a surrogate of
-- the chosen learner's uplift, with the surrogate's fidelity (pages/accounts/lookup.md).
select * from main.account_uplift_drivers
