"""The logic of int_uplift_learner_scores: every meta-learner's uplift (T, X and DR, one set of
cross-fitted nuisance models: earmark.uplift.fit_uplift), per campaign.

- score_basis 'out_of_fold': per campaign assignment and arm, the out-of-fold scores, the AIPW
  pseudo-outcome the doubly robust evidence is computed from, the calibrated assignment propensities and
  the propensity baseline. The validation and evidence models read these.
- score_basis 'current': per current customer (int_customer_scoring_set, covariates as of the as-of date,
  including customers no campaign reached) and treatment arm, every learner's score from the average of
  its fold models (earmark.uplift.metalearners.score_rows). The policy acts on these.

No cost or value enters here: which learner the policy uses, and what acting is worth, are decided
downstream (int_uplift_learner_selection, the policy models), so a change of a cost var never refits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earmark.dbt.model_io import empty_frame
from earmark.dbt.uplift import (
    assignment_keys,
    check_outcome,
    covariates,
    current_scores,
    fold_groups,
    human_campaign,
    keyed_order,
    not_estimable_reason,
    policy_campaign,
)
from earmark.uplift.metalearners import META_LEARNERS, UpliftFit, fit_uplift, outcome_ignoring_treatment

LEARNER_SCORE_COLUMNS = {
    "customer_arm_score_id": "str",
    "score_basis": "str",
    "treatment_row_number": "Int64",
    "campaign_id": "str",
    "customer_id": "str",
    "scored_arm": "str",
    "is_control_arm": "bool",
    "predicted_outcome": "float64",
    **{f"uplift_{name}": "float64" for name in META_LEARNERS},
    "pseudo_outcome": "float64",
    "fold": "Int64",
    "observed_arm": "str",
    "observed_outcome": "float64",
    "conversion_propensity": "float64",
    "arm_propensity": "float64",
    "treatment_propensity": "float64",
    "propensity_clip": "float64",
}

FIT_PARAMETERS = (
    "policy_campaign_id",
    "uplift_covariates",
    "uplift_outcome",
    "uplift_outcome_type",
    "uplift_learner",
    "uplift_folds",
    "uplift_calibrate",
    "uplift_propensity_clip",
    "human_outreach_arm",
    "uplift_seed",
)


def campaign_fits(training: pd.DataFrame, params: dict) -> list[tuple[str, pd.DataFrame, UpliftFit]]:
    """(campaign id, out-of-fold rows, fit) of the policy campaign (its automated arms) and, when the
    input has one, of the human-outreach campaign (what a call does), each fitted on its own rows."""
    fits = []
    for rows in (policy_campaign(training, params), human_campaign(training, params)):
        if rows.empty:
            continue
        check_outcome(rows, params)
        # too few rows, no contrast between arms or outcomes: uplift is not estimable for this campaign,
        # and the marts on top say so (no verdict, no learner)
        if not_estimable_reason(rows, params) is not None:
            continue
        out_of_fold, fit = campaign_scores(rows, params)
        fits.append((str(rows["campaign_id"].iloc[0]), out_of_fold, fit))
    return fits


def learner_scores(fits: list[tuple[str, pd.DataFrame, UpliftFit]], scoring: pd.DataFrame) -> pd.DataFrame:
    """The out-of-fold rows of every fitted campaign, and today's customers scored by its fold models."""
    frames = []
    for campaign_id, out_of_fold, fit in fits:
        frames += [out_of_fold, current_scores(fit, scoring, campaign_id, LEARNER_SCORE_COLUMNS, out_of_fold)]
    if not frames:
        return empty_frame(LEARNER_SCORE_COLUMNS)
    scores = pd.concat(frames, ignore_index=True)[list(LEARNER_SCORE_COLUMNS)]
    # numbers keep their types with the current rows' gaps (null fold, pseudo-outcome, ...)
    numeric = {
        column: dtype for column, dtype in LEARNER_SCORE_COLUMNS.items() if dtype in ("Int64", "float64")
    }
    return scores.astype(numeric)


def campaign_scores(rows: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, UpliftFit]:
    """(out-of-fold rows, the fit) of one campaign."""
    keys = assignment_keys(rows)
    # the fit samples rows and the calibrators split them by position: put the rows in a seeded hash order
    # of their stable keys, so no position follows the input file's order (or the ids' order) and the
    # result is the same under any row order
    order = keyed_order(keys, int(params["uplift_seed"]))
    rows, keys = rows.iloc[order].reset_index(drop=True), keys[order]
    covs = covariates(rows, params)
    outcome, outcome_type = params["uplift_outcome"], params["uplift_outcome_type"]
    seed, folds = int(params["uplift_seed"]), int(params["uplift_folds"])

    fit = fit_uplift(
        rows,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=covs,
        keys=keys,
        learner=params["uplift_learner"],
        n_folds=folds,
        calibrate=bool(params["uplift_calibrate"]),
        clip=float(params["uplift_propensity_clip"]),
        random_state=seed,
        groups=fold_groups(rows),
    )
    nu = fit.nuisances
    # the propensity baseline: P(outcome | X) whatever the arm, from the same out-of-fold nuisances
    baseline = outcome_ignoring_treatment(nu) if outcome_type == "binary" else np.full(len(rows), np.nan)
    control = nu.propensity[nu.control_arm]
    frames = []
    for arm in nu.arms_order:
        is_control = arm == nu.control_arm
        frame = pd.DataFrame(
            {
                "customer_arm_score_id": rows["treatment_row_number"].astype(str) + ":" + arm,
                "score_basis": "out_of_fold",
                "treatment_row_number": rows["treatment_row_number"],
                "campaign_id": rows["campaign_id"],
                "customer_id": rows["customer_id"],
                "scored_arm": arm,
                "is_control_arm": is_control,
                "predicted_outcome": nu.mu[arm],
            }
        )
        for name in META_LEARNERS:
            frame[f"uplift_{name}"] = np.nan if is_control else fit.effects[name][arm]
        frame["pseudo_outcome"] = np.nan if is_control else fit.phi[arm]
        frame["fold"] = nu.folds
        frame["observed_arm"] = nu.arms
        frame["observed_outcome"] = nu.y
        frame["conversion_propensity"] = baseline
        frame["arm_propensity"] = nu.propensity[arm]
        # what the IPW validation reweights by: P(this arm | X, this arm or control) for a treatment arm,
        # P(any treatment | X) on the control arm's rows
        frame["treatment_propensity"] = (
            1.0 - control if is_control else nu.propensity[arm] / (nu.propensity[arm] + control)
        )
        frame["propensity_clip"] = nu.clip
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[list(LEARNER_SCORE_COLUMNS)], fit
