-- The readback of a cycle (var readback_campaign_id): realised against estimated lift, per channel and
-- overall; no rows when no readback campaign is configured.
select * from main.policy_readback
