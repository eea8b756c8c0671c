"""Out-of-fold churn scores of the policy campaign's labelled assignments: each scored by the gradient
boosting model of the folds that did not hold its account (earmark.dbt.churn)."""

from earmark.dbt.churn import FIT_PARAMETERS, out_of_fold_table
from earmark.dbt.model_cache import cached_frame
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS)
    training = dbt.ref("int_campaign_training_set").df()
    # the folds' fits are reused while the training set and their parameters are unchanged
    # (earmark.dbt.model_cache): a new day of transactions leaves a campaign's training set as it was
    return cached_frame(
        dbt.config.get("python_model_cache_dir"),
        "int_churn_out_of_fold",
        {"training": training, "parameters": parameters},
        lambda: out_of_fold_table(training, read_parameters(parameters)),
    )
