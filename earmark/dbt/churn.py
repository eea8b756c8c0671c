"""What the dbt Python models of models/intermediate/churn run: the churn classifier on the policy
campaign's labelled rows (int_campaign_training_set, is_churned not null; the uplift models' covariates,
folds by account, var uplift_seed and uplift_folds), its out-of-fold scores, quality and gains; today's
customers (int_customer_scoring_set) scored by the model fitted on the labelled rows, with their top SHAP
drivers; and per account, why the uplift model scored its customers as it did, from a surrogate of the
chosen learner's current uplift.

An input without churn labels (an order book, a campaign whose churn was not measured) gets typed empty
tables, and a quality row that says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from earmark.churn import (
    TOP_DRIVERS,
    auc,
    fit_surrogate,
    gains_table,
    group_drivers,
    make_classifier,
    not_estimable_reason,
    out_of_fold_scores,
    shap_values,
    top_drivers,
)
from earmark.dbt.model_io import empty_frame
from earmark.dbt.uplift import (
    accounts_of,
    assignment_keys,
    covariates,
    fold_groups,
    keyed_order,
    policy_campaign,
)
from earmark.uplift.design import apply_design, design_spec
from earmark.uplift.learners import subsample
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS

CHURN_OUTCOME, UPLIFT_OUTCOME = "churn risk", "the predicted uplift"

FIT_PARAMETERS = (
    "policy_campaign_id",
    "uplift_covariates",
    "human_outreach_arm",
    "uplift_folds",
    "uplift_seed",
)
DRIVER_PARAMETERS = (*FIT_PARAMETERS, "uplift_driver_min_r2")

OUT_OF_FOLD_COLUMNS: dict[str, str] = {
    "treatment_row_number": "int64",
    "campaign_id": "str",
    "customer_id": "str",
    "fold_group": "str",
    "fold": "int64",
    "is_churned": "bool",
    "churn_score": "float64",
}

QUALITY_COLUMNS: dict[str, str] = {
    "campaign_id": "str",
    "is_estimable": "bool",
    "status_reason": "str",
    "training_rows": "int64",
    "churners": "int64",
    "base_rate": "float64",
    "folds": "int64",
    "covariates": "int64",
    "out_of_fold_auc": "float64",
}

DRIVER_COLUMNS: dict[str, str] = {
    f"driver_{i}_{part}": dtype
    for i in range(1, TOP_DRIVERS + 1)
    for part, dtype in (
        ("feature", "str"),
        ("value", "float64"),
        ("contribution", "float64"),
        ("phrase", "str"),
    )
}

CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "campaign_id": "str",
    "churn_probability": "float64",
    **DRIVER_COLUMNS,
}

ACCOUNT_DRIVER_COLUMNS: dict[str, str] = {
    "account_driver_id": "str",
    "account_id": "str",
    "campaign_id": "str",
    "scored_arm": "str",
    "chosen_learner": "str",
    "driver_rank": "int64",
    "feature": "str",
    "mean_value": "float64",
    "mean_contribution": "float64",
    "phrase": "str",
    "scored_customers": "int64",
    "mean_uplift": "float64",
    "surrogate_r2": "float64",
    "min_r2": "float64",
    "is_faithful": "bool",
}


def labelled_rows(training: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """The policy campaign's rows with a churn label, in a seeded hash order of their stable keys (so no
    result follows the input's row order), and the covariates the uplift models use."""
    rows = policy_campaign(training, params)
    if rows.empty or "is_churned" not in rows:
        return rows.iloc[:0], []
    rows = rows[rows["is_churned"].notna()].reset_index(drop=True)
    if rows.empty:
        return rows, []
    rows = rows.iloc[keyed_order(assignment_keys(rows), int(params["uplift_seed"]))].reset_index(drop=True)
    return rows, covariates(rows, params)


def _groups(rows: pd.DataFrame) -> np.ndarray:
    groups = fold_groups(rows)
    return rows["treatment_row_number"].astype(str).to_numpy() if groups is None else groups


def _reason(rows: pd.DataFrame, covs: list[str], params: dict[str, Any]) -> str | None:
    if rows.empty:
        return "no churn label: the input has no campaign outcome with churned measured"
    if not covs:
        return "no covariates to model churn from"
    y = rows["is_churned"].astype(bool).to_numpy()
    return not_estimable_reason(y, _groups(rows), int(params["uplift_folds"]))


def out_of_fold_table(training: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Per labelled assignment: its fold and the out-of-fold P(churn)."""
    rows, covs = labelled_rows(training, params)
    if _reason(rows, covs, params) is not None:
        return empty_frame(OUT_OF_FOLD_COLUMNS)
    X, _ = apply_design(rows, design_spec(rows, covs))
    y = rows["is_churned"].astype(bool).to_numpy()
    scores, folds = out_of_fold_scores(
        X, y, _groups(rows), int(params["uplift_folds"]), int(params["uplift_seed"])
    )
    out = rows[["treatment_row_number", "campaign_id", "customer_id", "fold_group", "is_churned"]].assign(
        fold=folds, churn_score=scores
    )
    return out.sort_values("treatment_row_number")[list(OUT_OF_FOLD_COLUMNS)].astype(OUT_OF_FOLD_COLUMNS)


def quality_table(training: pd.DataFrame, scores: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """One row: the labelled rows, churners, base rate, folds and out-of-fold AUC, or why not estimable."""
    rows, covs = labelled_rows(training, params)
    reason = _reason(rows, covs, params)
    y = rows["is_churned"].astype(bool).to_numpy() if not rows.empty else np.zeros(0, dtype=bool)
    row = {
        "campaign_id": str(rows["campaign_id"].iloc[0]) if not rows.empty else None,
        "is_estimable": reason is None,
        "status_reason": reason or "estimated",
        "training_rows": len(rows),
        "churners": int(y.sum()),
        "base_rate": float(y.mean()) if len(y) else np.nan,
        "folds": int(params["uplift_folds"]),
        "covariates": len(covs),
        "out_of_fold_auc": np.nan if scores.empty else auc(scores["churn_score"], scores["is_churned"]),
    }
    return pd.DataFrame([row]).astype(QUALITY_COLUMNS)[list(QUALITY_COLUMNS)]


def gains(scores: pd.DataFrame) -> pd.DataFrame:
    """The gains table of the out-of-fold scores by decile (ties by campaign and customer, never by the
    row's position in the input)."""
    row = "row:" + scores["treatment_row_number"].astype("string")
    customer = scores["customer_id"].astype("string").fillna(row)
    keys = (scores["campaign_id"].astype("string") + "|" + customer).to_numpy(dtype=str)
    return gains_table(scores["churn_score"].to_numpy("float64"), scores["is_churned"].to_numpy(bool), keys)


def churn_fit(training: pd.DataFrame, params: dict[str, Any]) -> dict[str, Any] | None:
    """The classifier fitted on the labelled rows (at most DEFAULT_MAX_TRAIN_ROWS, a seeded sample above
    that), with the design it was fitted on, the training rows' median of each column (what a driver's
    phrase compares with) and the campaign; None when churn is not
    estimable. Depends on the training set and the fit's parameters only, so a build can reuse it while a
    new day changes today's customers (earmark.dbt.model_cache.cached_fit)."""
    rows, covs = labelled_rows(training, params)
    if _reason(rows, covs, params) is not None:
        return None
    spec = design_spec(rows, covs)
    X, names = apply_design(rows, spec)
    seed = int(params["uplift_seed"])
    # at most the uplift fits' row cap, a seeded sample above it (as the out-of-fold models)
    train = subsample(np.arange(len(rows)), DEFAULT_MAX_TRAIN_ROWS, [seed])
    model = make_classifier(seed).fit(X[train], rows["is_churned"].astype(bool).to_numpy(int)[train])
    return {
        "model": model,
        "spec": spec,
        "names": names,
        "typical": np.nanmedian(X, axis=0),
        "campaign_id": str(rows["campaign_id"].iloc[0]),
    }


def customer_churn_table(fit: dict[str, Any] | None, scoring: pd.DataFrame) -> pd.DataFrame:
    """Per current customer: P(churn) from `fit` (churn_fit) and its top drivers (SHAP, in log-odds of
    churn; phrased against the training rows' median)."""
    if fit is None or scoring.empty:
        return empty_frame(CUSTOMER_COLUMNS)
    current = scoring.sort_values("customer_id").reset_index(drop=True)
    X_now, _ = apply_design(current, fit["spec"])
    model = fit["model"]
    drivers = top_drivers(shap_values(model, X_now), X_now, fit["names"], fit["typical"], CHURN_OUTCOME)
    out = pd.concat(
        [
            current[["customer_id"]].assign(
                campaign_id=fit["campaign_id"], churn_probability=model.predict_proba(X_now)[:, 1]
            ),
            drivers,
        ],
        axis=1,
    )
    return out[list(CUSTOMER_COLUMNS)].astype(CUSTOMER_COLUMNS)


# what account_uplift_drivers_table reads of int_customer_current_uplift
CURRENT_UPLIFT_COLUMNS = ("customer_id", "campaign_id", "scored_arm", "uplift", "chosen_learner")


def account_uplift_drivers_table(
    training: pd.DataFrame,
    scoring: pd.DataFrame,
    uplift: pd.DataFrame,
    account_of: pd.Series,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Per account and scored arm: the top 3 mean SHAP contributions of a gradient boosting surrogate of
    the chosen learner's current uplift, on the uplift models' covariates; with the surrogate's
    out-of-fold R^2 (folds by account) and whether it reaches var uplift_driver_min_r2."""
    policy_rows = policy_campaign(training, params)
    if uplift.empty or scoring.empty or policy_rows.empty:
        return empty_frame(ACCOUNT_DRIVER_COLUMNS)
    covs = covariates(policy_rows, params)
    spec = design_spec(policy_rows, covs)
    typical = np.nanmedian(apply_design(policy_rows, spec)[0], axis=0)
    seed, min_r2 = int(params["uplift_seed"]), float(params["uplift_driver_min_r2"])
    frames = []
    for (campaign, arm), scores in uplift.dropna(subset=["uplift"]).groupby(
        ["campaign_id", "scored_arm"], sort=True
    ):
        scored = scoring.merge(scores[["customer_id", "uplift", "chosen_learner"]], on="customer_id")
        scored = scored.sort_values("customer_id").reset_index(drop=True)
        X, names = apply_design(scored, spec)
        target = scored["uplift"].to_numpy("float64")
        accounts = accounts_of(scored["customer_id"], account_of)
        surrogate, r2 = fit_surrogate(X, target, accounts, int(params["uplift_folds"]), seed)
        contributions = shap_values(surrogate, X)
        drivers = group_drivers(contributions, X, accounts, names, typical, UPLIFT_OUTCOME)
        per_account = pd.DataFrame({"group": accounts, "uplift": target}).groupby("group")["uplift"]
        drivers = drivers.merge(
            per_account.agg(scored_customers="size", mean_uplift="mean").reset_index(), on="group"
        )
        frames.append(
            drivers.rename(columns={"group": "account_id", "rank": "driver_rank"}).assign(
                campaign_id=str(campaign),
                scored_arm=str(arm),
                chosen_learner=str(scored["chosen_learner"].iloc[0]),
                surrogate_r2=r2,
                min_r2=min_r2,
                is_faithful=bool(r2 >= min_r2),
            )
        )
    if not frames:
        return empty_frame(ACCOUNT_DRIVER_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["account_driver_id"] = (
        out["account_id"]
        + ":"
        + out["campaign_id"]
        + ":"
        + out["scored_arm"]
        + ":"
        + out["driver_rank"].astype(str)
    )
    return out[list(ACCOUNT_DRIVER_COLUMNS)].astype(ACCOUNT_DRIVER_COLUMNS)
