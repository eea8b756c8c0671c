"""Out-of-sample uplift per campaign assignment and arm (cross-fitted T-learner), the propensity
baseline, and the treatment propensity used to reweight biased assignment."""

import numpy as np
import pandas as pd

from earmark.model_cache import cached_frame
from earmark.segmentation.dbt_glue import empty_frame, read_parameters, used_parameters
from earmark.uplift import (
    best_arm_net_of_cost,
    conversion_propensity,
    fit_t_learner,
    treatment_propensity,
)
from earmark.uplift_glue import covariates, policy_campaign

COLUMNS = {
    "user_arm_score_id": "str",
    "treatment_row_number": "int64",
    "campaign_id": "str",
    "customer_id": "str",
    "scored_arm": "str",
    "is_control_arm": "bool",
    "predicted_outcome": "float64",
    "uplift": "float64",
    "fold": "int64",
    "best_arm": "str",
    "best_arm_net_of_cost": "str",
    "best_net_value": "float64",
    "observed_arm": "str",
    "observed_outcome": "float64",
    "conversion_propensity": "float64",
    "treatment_propensity": "float64",
}

USED_PARAMETERS = (
    "policy_campaign_id",
    "uplift_covariates",
    "uplift_outcome",
    "uplift_outcome_type",
    "uplift_learner",
    "uplift_folds",
    "uplift_calibrate",
    "uplift_seed",
    "value_per_conversion",
    "cost_per_automated_user",
)


def model(dbt, session):
    dbt.config(materialized="table")
    # only the parameters the fit reads: they, with the training set, are its cache key
    parameters = used_parameters(dbt.ref("int_run_parameters").df(), USED_PARAMETERS)
    training = dbt.ref("int_campaign_training_set").df()
    # the fit is reused while the training set and parameters are unchanged (earmark.model_cache)
    return cached_frame(
        dbt.config.get("python_model_cache_dir"),
        "uplift_user_scores",
        {"training": training, "parameters": parameters},
        lambda: user_scores(training, read_parameters(parameters)),
    )


def user_scores(training: pd.DataFrame, params: dict) -> pd.DataFrame:
    rows = policy_campaign(training, params)
    if rows.empty or rows["arm"].nunique() < 2:
        # no campaign, or no contrast between arms: uplift is not estimable on this input
        return empty_frame(COLUMNS)
    covs = covariates(rows, params)
    outcome, outcome_type = params["uplift_outcome"], params["uplift_outcome_type"]
    seed, folds = int(params["uplift_seed"]), int(params["uplift_folds"])

    result = fit_t_learner(
        rows,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=covs,
        learner=params["uplift_learner"],
        n_folds=folds,
        calibrate=bool(params["uplift_calibrate"]),
        random_state=seed,
    )
    scores = result.scores
    costs = {arm: float(params["cost_per_automated_user"]) for arm in result.treatment_arms}
    net = best_arm_net_of_cost(scores, float(params["value_per_conversion"]), costs, result.control_arm)
    propensity = (
        conversion_propensity(rows, outcome, covs, n_folds=folds, random_state=seed)
        if outcome_type == "binary"
        else pd.Series(float("nan"), index=rows.index)
    )
    # P(treated | X) of any treatment, and per treatment arm against control (NaN for other arms' rows):
    # each arm is validated against control with its own inverse-propensity weights
    assignment = {
        result.control_arm: treatment_propensity(rows, covariates=covs, n_folds=folds, random_state=seed)
    }
    for arm in result.treatment_arms:
        # with a single treatment arm every row is that arm or control: the same model as above
        assignment[arm] = (
            assignment[result.control_arm]
            if len(result.treatment_arms) == 1
            else treatment_propensity(
                rows, covariates=covs, n_folds=folds, random_state=seed, treated_arm=arm
            )
        )
    observed = rows[outcome].astype("Float64").to_numpy("float64", na_value=np.nan)

    frames = []
    for arm in [result.control_arm, *result.treatment_arms]:
        frames.append(
            pd.DataFrame(
                {
                    "user_arm_score_id": rows["treatment_row_number"].astype(str) + ":" + arm,
                    "treatment_row_number": rows["treatment_row_number"],
                    "campaign_id": rows["campaign_id"],
                    "customer_id": rows["customer_id"],
                    "scored_arm": arm,
                    "is_control_arm": arm == result.control_arm,
                    "predicted_outcome": scores[f"mu_{arm}"],
                    "uplift": None if arm == result.control_arm else scores[f"uplift_{arm}"],
                    "fold": scores["fold"],
                    "best_arm": scores["best_arm"],
                    "best_arm_net_of_cost": net["best_arm_net"],
                    "best_net_value": net["best_net_value"],
                    "observed_arm": rows["arm"],
                    "observed_outcome": observed,
                    "conversion_propensity": propensity,
                    "treatment_propensity": assignment[arm],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
