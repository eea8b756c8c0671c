-- The readback of a cycle (var readback_campaign_id): realised against estimated lift, per channel and
-- overall; no rows when no readback campaign is configured.
-- Without the deprecated copies of targeted_customers and held_out_customers.
select * exclude (targeted_users, held_out_users) from main.policy_readback
