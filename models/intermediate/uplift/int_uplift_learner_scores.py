"""Every meta-learner's uplift per campaign: out-of-fold scores of the logged assignments (what the
evidence and validation read) and scores of today's customers (what the policy acts on). The logic is
earmark.dbt.uplift_scores; no cost or value enters here, so a change of a cost var never refits."""

from earmark.dbt.model_cache import cached_fit
from earmark.dbt.model_io import read_parameters, used_parameters
from earmark.dbt.uplift_scores import FIT_PARAMETERS, campaign_fits, learner_scores


def model(dbt, session):
    dbt.config(materialized="table")
    # only the parameters the fit reads: they, with the training set, are its cache key
    parameters = used_parameters(dbt.ref("int_run_parameters").df(), FIT_PARAMETERS)
    training = dbt.ref("int_campaign_training_set").df()
    scoring = dbt.ref("int_customer_scoring_set").df()
    # the fit (and its out-of-fold rows) is reused while the training set and the fit's parameters are
    # unchanged (earmark.dbt.model_cache); today's customers change every day, so they are scored each build
    fits = cached_fit(
        dbt.config.get("python_model_cache_dir"),
        "int_uplift_learner_scores",
        {"training": training, "parameters": parameters},
        lambda: campaign_fits(training, read_parameters(parameters)),
    )
    return learner_scores(fits, scoring)
