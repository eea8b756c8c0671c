"""The T-learner: one outcome model per arm, cross-fitted so that every score is out of sample.

For a campaign frame (one row per campaign x customer, an arm column, an outcome, covariates):

1. Every row gets a fold 0..n_folds-1 (`assign_folds`: stratified by arm, and by outcome when it is
   binary; seeded).
2. For each fold f and each arm a (control and every treatment arm), an outcome model is trained on the
   rows of arm a that are not in fold f (at most `max_train_rows` of them, a seeded sample above that),
   and predicts every row of fold f. So `mu_<a>` of a row comes from a model that never saw that row,
   whichever arm the row was in; `train_index[(f, a)]` lists the rows each model was trained on.
3. `uplift_<a>` = mu_<a> - mu_<control> for every treatment arm a; `best_arm` is the treatment arm with
   the highest uplift, or the control arm when no uplift is positive; `best_uplift` is its uplift (0 for
   the control arm). Ties go to the first arm in sorted name order.

The fitted models are kept: `score_new` scores customers outside the campaign with the average of the
n_folds models of each arm. Those scores are out of sample too (none of those customers was trained on).

A T-learner estimates E[Y | X, arm]: the difference is a causal effect only when, given the covariates,
the arm was as good as random (a randomised test, or assignment explained by the covariates). When it was
not randomised, check `treatment_propensity` / `covariate_balance` and evaluate with IPW weights.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from earmark.uplift.design import DesignSpec, apply_design, design_spec
from earmark.uplift.learners import (
    DEFAULT_LEARNER,
    assign_folds,
    check_outcome_type,
    fit_outcome_model,
    outcome_values,
    predict_outcome,
    subsample,
)

DEFAULT_MAX_TRAIN_ROWS = 200_000


@dataclass
class TLearnerResult:
    """A cross-fitted T-learner.

    scores: one row per input row, same index and order: fold (int), mu_<arm> for every arm (predicted
        outcome under that arm; a probability for binary outcomes), uplift_<arm> for every treatment arm,
        best_arm (text), best_uplift.
    control_arm, treatment_arms: the arm names (treatment arms sorted).
    outcome, outcome_type, covariates, learner, n_folds, calibrate, random_state, max_train_rows: the
        parameters of the fit.
    spec: the covariate encoding (see `design`); feature_names are its matrix columns.
    models: (fold, arm) -> the fitted model that scored fold `fold` under `arm`.
    train_index: (fold, arm) -> positions (0-based, like iloc, not index labels) of the input rows that
        model was trained on: rows of that arm, outside that fold, with a non-null outcome.
    fits: one row per model: fold, arm, n_train (rows trained on), n_available (rows eligible before the
        max_train_rows sample), train_outcome_mean, calibration ('isotonic', 'sigmoid', 'none',
        'constant', 'not applicable', ...).
    """

    scores: pd.DataFrame
    control_arm: str
    treatment_arms: list[str]
    outcome: str
    outcome_type: str
    covariates: list[str]
    learner: str
    n_folds: int
    calibrate: bool
    random_state: int
    max_train_rows: int | None
    spec: DesignSpec
    models: dict[tuple[int, str], BaseEstimator] = field(repr=False)
    train_index: dict[tuple[int, str], np.ndarray] = field(repr=False)
    fits: pd.DataFrame = field(repr=False)

    @property
    def arms(self) -> list[str]:
        """The control arm, then the treatment arms."""
        return [self.control_arm, *self.treatment_arms]

    @property
    def feature_names(self) -> list[str]:
        return list(self.spec.names)


def threads(n_threads: int | None) -> contextlib.AbstractContextManager:
    """Limit OpenMP/BLAS threads to `n_threads` (None: no limit).

    The default everywhere is one thread: gradient boosting's OpenMP loops busy-wait, and when the cores
    are shared (several dbt Python models at once, other work on the machine) a multi-threaded fit was
    measured 300x slower than a single-threaded one (148 s against 0.45 s for 27,000 rows on 2 busy
    cores). One thread also makes results bitwise identical on machines with different core counts."""
    return threadpool_limits(limits=n_threads) if n_threads else contextlib.nullcontext()


def _arm_values(frame: pd.DataFrame, arm_column: str, control_arm: str) -> tuple[np.ndarray, list[str]]:
    if arm_column not in frame.columns:
        raise KeyError(f"arm column {arm_column!r} missing from the frame")
    arms = frame[arm_column]
    if arms.isna().any():
        raise ValueError(
            f"{int(arms.isna().sum())} rows have a null {arm_column!r}; name every arm "
            f"(e.g. {control_arm!r} for untreated rows, 'treatment' for a single-arm campaign)"
        )
    values = arms.astype(str).to_numpy(dtype=object)
    present = sorted(set(values))
    if control_arm not in present:
        raise ValueError(f"no {control_arm!r} rows in {arm_column!r}: uplift needs a control arm")
    treatment_arms = [a for a in present if a != control_arm]
    if not treatment_arms:
        raise ValueError(f"only {control_arm!r} rows in {arm_column!r}: no treatment arm to compare")
    return values, treatment_arms


def campaign_arrays(
    frame: pd.DataFrame,
    *,
    arm_column: str,
    control_arm: str,
    outcome: str,
    outcome_type: str,
    covariates: list[str],
    n_folds: int,
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, DesignSpec, np.ndarray, np.ndarray]:
    """What every cross-fitted uplift learner starts from, after checking the frame: arms (text per row),
    treatment_arms (sorted), y (float, NaN when unknown), known (its mask), the design spec and matrix, and
    the fold strata (arm, and outcome when binary). Every arm needs at least n_folds known outcomes."""
    check_outcome_type(outcome_type)
    if frame.empty:
        raise ValueError("the frame has no rows")
    if outcome not in frame.columns:
        raise KeyError(f"outcome {outcome!r} missing from the frame")
    arms, treatment_arms = _arm_values(frame, arm_column, control_arm)
    y = outcome_values(frame[outcome], outcome_type)
    known = ~np.isnan(y)
    for arm in [control_arm, *treatment_arms]:
        n_arm = int(((arms == arm) & known).sum())
        if n_arm < n_folds:
            raise ValueError(f"arm {arm!r} has {n_arm} rows with a known outcome; at least n_folds={n_folds}")
    spec = design_spec(frame, covariates)
    X, _ = apply_design(frame, spec)
    strata = arms.astype(str)
    if outcome_type == "binary":
        strata = np.char.add(np.char.add(strata, "|"), np.where(known, y, -1).astype("int64").astype(str))
    return arms, treatment_arms, y, known, spec, X, strata


def best_arm_columns(
    mu: dict[str, np.ndarray], control_arm: str, treatment_arms: list[str], index: pd.Index
) -> pd.DataFrame:
    """mu_<arm> for every arm, uplift_<arm> for every treatment arm, best_arm and best_uplift."""
    columns: dict[str, object] = {f"mu_{arm}": mu[arm] for arm in [control_arm, *treatment_arms]}
    uplift = np.column_stack([mu[arm] - mu[control_arm] for arm in treatment_arms])
    for j, arm in enumerate(treatment_arms):
        columns[f"uplift_{arm}"] = uplift[:, j]
    best = np.argmax(uplift, axis=1)  # first maximum: ties go to the first arm in sorted order
    best_value = uplift[np.arange(len(uplift)), best]
    positive = best_value > 0
    columns["best_arm"] = np.where(positive, np.asarray(treatment_arms, dtype=object)[best], control_arm)
    columns["best_uplift"] = np.where(positive, best_value, 0.0)
    frame = pd.DataFrame(columns, index=index)
    frame["best_arm"] = frame["best_arm"].astype(str)
    return frame


def fit_t_learner(
    frame: pd.DataFrame,
    *,
    arm_column: str = "arm",
    outcome: str,
    outcome_type: str,
    covariates: list[str],
    control_arm: str = "control",
    learner: str = DEFAULT_LEARNER,
    n_folds: int = 5,
    calibrate: bool = True,
    random_state: int = 42,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
    n_threads: int | None = 1,
) -> TLearnerResult:
    """Cross-fitted T-learner uplift scores for every row of `frame` (see the module doc).

    outcome_type: 'binary' (0/1 or boolean; probabilities calibrated when `calibrate`, isotonic from
        1,000 training rows of an arm up, sigmoid below) or 'continuous'.
    Rows with a null outcome are scored but never trained on. Each (fold, arm) model trains on at most
    `max_train_rows` rows (a seeded uniform sample above that; None for no limit): above ~200,000 rows
    per arm and fold more rows barely change a 200-iteration boosted model but cost time linearly.
    n_threads: OpenMP/BLAS threads while fitting and predicting; default 1 (see `threads`); None for no
        limit.
    Deterministic: the same frame and parameters give identical scores.
    """
    arms, treatment_arms, y, known, spec, X, strata = campaign_arrays(
        frame,
        arm_column=arm_column,
        control_arm=control_arm,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=covariates,
        n_folds=n_folds,
    )
    all_arms = [control_arm, *treatment_arms]
    folds = assign_folds(strata, n_folds, random_state)

    n = len(frame)
    mu = {arm: np.full(n, np.nan) for arm in all_arms}
    models: dict[tuple[int, str], BaseEstimator] = {}
    train_index: dict[tuple[int, str], np.ndarray] = {}
    fit_rows: list[dict[str, object]] = []
    with threads(n_threads):
        for f in range(n_folds):
            scored = np.flatnonzero(folds == f)
            for a, arm in enumerate(all_arms):
                available = np.flatnonzero((arms == arm) & (folds != f) & known)
                rows = subsample(available, max_train_rows, [random_state, f, a])
                model, calibration = fit_outcome_model(
                    X[rows],
                    y[rows],
                    learner=learner,
                    outcome_type=outcome_type,
                    calibrate=calibrate,
                    random_state=random_state,
                )
                mu[arm][scored] = predict_outcome(model, X[scored], outcome_type)
                models[(f, arm)] = model
                train_index[(f, arm)] = rows
                fit_rows.append(
                    {
                        "fold": f,
                        "arm": arm,
                        "n_train": len(rows),
                        "n_available": len(available),
                        "train_outcome_mean": float(y[rows].mean()),
                        "calibration": calibration,
                    }
                )

    scores = best_arm_columns(mu, control_arm, treatment_arms, frame.index)
    scores.insert(0, "fold", folds)
    return TLearnerResult(
        scores=scores,
        control_arm=control_arm,
        treatment_arms=treatment_arms,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=list(covariates),
        learner=learner,
        n_folds=n_folds,
        calibrate=calibrate,
        random_state=random_state,
        max_train_rows=max_train_rows,
        spec=spec,
        models=models,
        train_index=train_index,
        fits=pd.DataFrame(fit_rows),
    )


def score_new(result: TLearnerResult, frame: pd.DataFrame, n_threads: int | None = 1) -> pd.DataFrame:
    """Score rows that were not in the training frame (e.g. customers outside the campaign): per arm the
    mean prediction of its n_folds fold models. Needs only the covariate columns. Returns the columns of
    `result.scores` without fold: mu_<arm>..., uplift_<treatment arm>..., best_arm, best_uplift; same
    index as `frame`. (Do not use it on the training rows: there it would be in-sample.)"""
    X, _ = apply_design(frame, result.spec)
    mu: dict[str, np.ndarray] = {}
    with threads(n_threads):
        for arm in result.arms:
            total = np.zeros(len(frame))
            for f in range(result.n_folds):
                total += predict_outcome(result.models[(f, arm)], X, result.outcome_type)
            mu[arm] = total / result.n_folds
    return best_arm_columns(mu, result.control_arm, result.treatment_arms, frame.index)


def best_arm_net_of_cost(
    scores: pd.DataFrame,
    value_per_outcome: float,
    cost_per_arm: dict[str, float],
    control_arm: str = "control",
) -> pd.DataFrame:
    """The arm worth its cost, per row: for every treatment arm a (the uplift_<a> columns of `scores`),
    net_a = value_per_outcome * uplift_<a> - cost_per_arm[a]; the arm with the highest net value wins, and
    `control_arm` when no net value is positive (ties: first arm in column order).

    Returns best_arm_net (text) and best_net_value (0 for the control arm), same index as `scores`.
    Every treatment arm needs a cost (0 is a valid cost); a missing one is an error, not a free arm.
    """
    arms = [c.removeprefix("uplift_") for c in scores.columns if c.startswith("uplift_")]
    if not arms:
        raise ValueError("scores has no uplift_<arm> columns")
    missing = [a for a in arms if a not in cost_per_arm]
    if missing:
        raise KeyError(f"no cost for arms {missing}; give every treatment arm a cost (0 when free)")
    net = np.column_stack(
        [
            value_per_outcome * scores[f"uplift_{a}"].to_numpy(dtype="float64") - float(cost_per_arm[a])
            for a in arms
        ]
    )
    best = np.argmax(net, axis=1)
    value = net[np.arange(len(net)), best]
    positive = value > 0
    out = pd.DataFrame(
        {
            "best_arm_net": np.where(positive, np.asarray(arms, dtype=object)[best], control_arm),
            "best_net_value": np.where(positive, value, 0.0),
        },
        index=scores.index,
    )
    out["best_arm_net"] = out["best_arm_net"].astype(str)
    return out
