"""Per current customer: P(churn) from the model fitted on every labelled assignment of the policy
campaign, and the three covariates that moved it most (SHAP, with a plain-words phrase)
(earmark.dbt.churn)."""

from earmark.dbt.churn import FIT_PARAMETERS, customer_churn_table
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS))
    training = dbt.ref("int_campaign_training_set").df()
    return customer_churn_table(training, dbt.ref("int_customer_scoring_set").df(), params)
