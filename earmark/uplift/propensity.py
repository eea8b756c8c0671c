"""Propensities: who was likely to be treated, and whether the weighting balanced the arms.

- `treatment_propensity`: out-of-fold P(treated | X) by a scaled logistic regression, clipped to
  [0.01, 0.99]. When assignment was randomised it is flat (about the treated share) and its AUC about
  0.5; when it was not, `ipw_weights` turns it into inverse-propensity weights for the evaluation.
- `covariate_balance`: standardised mean differences between treated and control per covariate column,
  raw and weighted: the usual check that assignment (or its weighting) balanced the covariates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from earmark.uplift.design import apply_design, design_spec
from earmark.uplift.learners import (
    assign_folds,
    make_learner,
    predict_outcome,
    subsample,
)
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS, threads

PROPENSITY_CLIP: tuple[float, float] = (0.01, 0.99)


def treated_mask(frame: pd.DataFrame, arm_column: str = "arm", control_arm: str = "control") -> np.ndarray:
    """True for rows whose arm is not the control arm (every arm must be named)."""
    arms = frame[arm_column]
    if arms.isna().any():
        raise ValueError(f"null values in {arm_column!r}: name every arm")
    return (arms.astype(str) != control_arm).to_numpy(dtype=bool)


def treatment_propensity(
    frame: pd.DataFrame,
    arm_column: str = "arm",
    control_arm: str = "control",
    covariates: list[str] | None = None,
    *,
    n_folds: int = 5,
    clip: tuple[float, float] = PROPENSITY_CLIP,
    random_state: int = 42,
    n_threads: int | None = 1,
    treated_arm: str | None = None,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
) -> pd.Series:
    """Out-of-fold P(treated | covariates).

    treated_arm None: treated = any arm other than `control_arm`, over every row. treated_arm given:
    P(treated_arm | covariates, the row is in treated_arm or control), fitted on those rows only; rows of
    other arms get NaN. With several arms, evaluate arm a against control with treated_arm=a: the
    probability of *some* treatment is not the probability of arm a among a and control.
    Model: median imputation, standard scaling, logistic regression (C=1), cross-fitted over folds
    stratified by treatment, each fold's model trained on at most `max_train_rows` rows (a seeded sample
    above that: a logistic regression on a dozen covariates is settled long before 200,000 rows, and a
    million rows cost 28 s here); clipped to `clip` so no weight exceeds 1/0.01. Returns a float Series named
    'treatment_propensity', index of `frame`. n_threads: BLAS threads (default 1; None for no limit).
    """
    if not covariates:
        raise ValueError("covariates are required")
    treated = treated_mask(frame, arm_column, control_arm)
    if treated_arm is None:
        used = np.ones(len(frame), dtype=bool)
    else:
        arms = frame[arm_column].astype(str).to_numpy()
        used = (arms == treated_arm) | (arms == control_arm)
    if treated[used].all() or not treated[used].any():
        raise ValueError("treatment propensity needs both treated and control rows")
    subset = frame.loc[used] if treated_arm is not None else frame
    X, _ = apply_design(subset, design_spec(subset, covariates))
    t = treated[used]
    folds = assign_folds(t.astype("int64"), n_folds, random_state)
    e = np.empty(len(subset))
    with threads(n_threads):
        for f in range(n_folds):
            train = subsample(np.flatnonzero(folds != f), max_train_rows, [random_state, f])
            model = make_learner("logistic", "binary", random_state)
            model.fit(X[train], t[train].astype("int64"))
            scored = np.flatnonzero(folds == f)
            e[scored] = predict_outcome(model, X[scored], "binary")
    out = np.full(len(frame), np.nan)
    out[used] = np.clip(e, *clip)
    return pd.Series(out, index=frame.index, name="treatment_propensity")


def propensity_auc(treated: np.ndarray, propensity: np.ndarray) -> float:
    """AUC of the propensity for telling treated from control: about 0.5 under randomisation; the
    further above, the more assignment depended on the covariates."""
    return float(roc_auc_score(np.asarray(treated, dtype=bool), np.asarray(propensity, dtype="float64")))


def ipw_weights(treated: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Inverse-propensity weights: 1/e for treated rows, 1/(1-e) for control rows, then normalised within
    each group to sum to the group's size (so weighted counts read as people, and weighted means are the
    Hajek estimator). Propensities must lie strictly between 0 and 1 (clip them first)."""
    treated = np.asarray(treated, dtype=bool)
    e = np.asarray(propensity, dtype="float64")
    if treated.shape != e.shape:
        raise ValueError("treated and propensity must have the same length")
    if not np.all((e > 0) & (e < 1)):
        raise ValueError("propensities must lie strictly between 0 and 1")
    raw = np.where(treated, 1.0 / e, 1.0 / (1.0 - e))
    weights = np.empty_like(raw)
    for group in (True, False):
        mask = treated == group
        if mask.any():
            weights[mask] = raw[mask] * mask.sum() / raw[mask].sum()
    return weights


def _weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    ok = ~np.isnan(x)
    if not ok.any() or w[ok].sum() == 0:
        return np.nan, np.nan
    mean = float(np.average(x[ok], weights=w[ok]))
    var = float(np.average((x[ok] - mean) ** 2, weights=w[ok]))
    return mean, var


def covariate_balance(
    frame: pd.DataFrame,
    treated: np.ndarray,
    covariates: list[str],
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Balance of every covariate matrix column (one-hot columns separately) between treated and control.

    Returns feature, mean_treated, mean_control, smd (standardised mean difference: difference in means
    over the root of the mean of the two unweighted variances; nulls ignored) and, when `weights` are
    given, weighted_mean_treated, weighted_mean_control, weighted_smd (same denominator, so the two SMDs
    compare). |SMD| above 0.1 is the customary sign of imbalance.
    """
    treated = np.asarray(treated, dtype=bool)
    X, names = apply_design(frame, design_spec(frame, covariates))
    ones = np.ones(len(frame))
    w = ones if weights is None else np.asarray(weights, dtype="float64")
    rows = []
    for j, name in enumerate(names):
        x = X[:, j]
        mt, vt = _weighted_moments(x[treated], ones[treated])
        mc, vc = _weighted_moments(x[~treated], ones[~treated])
        sd = np.sqrt((vt + vc) / 2.0)
        row = {
            "feature": name,
            "mean_treated": mt,
            "mean_control": mc,
            "smd": (mt - mc) / sd if sd > 0 else 0.0,
        }
        if weights is not None:
            wmt, _ = _weighted_moments(x[treated], w[treated])
            wmc, _ = _weighted_moments(x[~treated], w[~treated])
            row.update(
                weighted_mean_treated=wmt,
                weighted_mean_control=wmc,
                weighted_smd=(wmt - wmc) / sd if sd > 0 else 0.0,
            )
        rows.append(row)
    return pd.DataFrame(rows)
