"""The readback of the campaign named by var readback_campaign_id, per channel and overall: realised lift
of the targeted customers over the held-out ones with an account-clustered interval, the policy's estimate
and the true lift where truth exists (earmark.readback.readback_lift). No rows without the var."""

from earmark.readback import readback_lift


def model(dbt, session):
    dbt.config(materialized="table")
    return readback_lift(dbt.ref("int_policy_readback_customers").df())
