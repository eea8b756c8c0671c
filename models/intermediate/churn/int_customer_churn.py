"""Per current customer: P(churn) from the model fitted on the labelled assignments of the policy
campaign, and the three covariates that moved it most (SHAP, with a plain-words phrase)
(earmark.dbt.churn)."""

from earmark.dbt.churn import FIT_PARAMETERS, churn_fit, customer_churn_table
from earmark.dbt.model_cache import cached_fit
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS)
    training = dbt.ref("int_campaign_training_set").df()
    # the fit is reused while the training set and its parameters are unchanged (earmark.dbt.model_cache);
    # today's customers change every day, so they are scored each build
    fit = cached_fit(
        dbt.config.get("python_model_cache_dir"),
        "int_customer_churn",
        {"training": training, "parameters": parameters},
        lambda: churn_fit(training, read_parameters(parameters)),
    )
    return customer_churn_table(fit, dbt.ref("int_customer_scoring_set").df())
