"""One row: how many labelled rows and churners the churn model learned from, and how well its
out-of-fold scores rank them (AUC); or why churn is not estimable on this input (earmark.dbt.churn)."""

from earmark.dbt.churn import FIT_PARAMETERS, quality_table
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS))
    return quality_table(
        dbt.ref("int_campaign_training_set").df(), dbt.ref("int_churn_out_of_fold").df(), params
    )
