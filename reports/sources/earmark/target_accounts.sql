-- The deployable list, ranked.
select * from main.target_accounts
