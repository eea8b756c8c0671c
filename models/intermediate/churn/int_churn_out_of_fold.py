"""Out-of-fold churn scores of the policy campaign's labelled assignments: each scored by the gradient
boosting model of the folds that did not hold its account (earmark.dbt.churn)."""

from earmark.dbt.churn import FIT_PARAMETERS, out_of_fold_table
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS))
    return out_of_fold_table(dbt.ref("int_campaign_training_set").df(), params)
