-- Actions against true archetypes (only when the input carries truth).
select * from main.policy_audit
