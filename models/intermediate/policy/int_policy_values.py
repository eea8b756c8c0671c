"""Doubly robust off-policy value of every policy (the customers each reaches: int_policy_reach) on the
logged campaigns, with an account bootstrap interval, from the out-of-fold AIPW pseudo-outcomes
(earmark.dbt.uplift.policy_values).
Read through policy_comparison: these replace values computed from the model's own predictions."""

from earmark.dbt.model_io import read_parameters, used_parameters
from earmark.dbt.uplift import assignment_score_columns, policy_values

USED_PARAMETERS = (
    "value_per_conversion",
    "cost_per_automated_customer",
    "cost_per_human_account",
    "human_outreach_arm",
    "uplift_bootstrap",
    "uplift_seed",
)


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), USED_PARAMETERS))
    reach = dbt.ref("int_policy_reach").df()
    # which logged rows Earmark's nudge reaches, judged out of fold
    audience = dbt.ref("int_assignment_nudge_audience").df()
    # only the columns the values read, selected in DuckDB before pandas copies millions of rows
    arm_uplift = dbt.ref("int_customer_arm_uplift")
    scores = arm_uplift.select(*assignment_score_columns(arm_uplift.columns, "best_arm_net_of_cost")).df()
    customers = dbt.ref("int_customer_policy_uplift").select("customer_id", "account_id").df()
    account_of = customers.set_index("customer_id")["account_id"].astype(str)
    # what a conversion of each customer is worth (a constant, or per customer)
    values = dbt.ref("int_customer_conversion_value").select("customer_id", "conversion_value").df()
    values = values.set_index("customer_id")["conversion_value"]
    return policy_values(reach, scores, account_of, params, audience, values)
