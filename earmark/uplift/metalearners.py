"""Cross-fitted meta-learners that stay unbiased when assignment was not random: T, X and DR.

One set of out-of-fold nuisance models serves all three learners (`fit_nuisances`):

- outcome models mu_a(x) = E[Y | X=x, arm a], one per (fold, arm), trained on the rows of arm a outside the
  fold (the base learner of `make_learner`, calibrated for binary outcomes when asked);
- an assignment model e_a(x) = P(arm a | X=x) over every arm at once, one per fold: a histogram gradient
  boosting classifier (multinomial for several arms) whose probabilities are calibrated by isotonic
  regression, cross-fitted: fold f's calibrator learns from the other folds' out-of-fold predictions
  (`CrossFittedCalibration`), so calibration needs no extra classifier fit. A logistic
  assignment model cannot follow a rule like "treat when activity fell", and overshot the demo world's
  true maximum propensity of 0.75 with 0.99. Propensities are clipped to [clip, 1 - clip] (default
  `PROPENSITY_CLIP` 0.01, the common 1%/99% trimming) before any inverse weight is taken, so no weight
  exceeds 100; `Nuisances.clipped_share` says how many rows the clip touched.

Folds come from `keyed_folds`: a seeded hash of a stable key per row (campaign and resolved customer),
dealt in turn within each stratum (arm, and outcome when binary), so the folds, and every score, are the
same under any row order of the input.

The learners, for each treatment arm a against the control arm 0 (every estimate out of fold: the row's
own fold never trained any model that scores it):

- `t_learner`: tau(x) = mu_a(x) - mu_0(x). Biased when the arms' covariate distributions differ: each
  outcome model extrapolates to the region where the other arm's rows are.
- `x_learner` (Kunzel et al. 2019): imputed effects D = Y - mu_0(x) on arm-a rows and D = mu_a(x) - Y on
  control rows, a regression of each on x (tau_1, tau_0), combined as g(x) tau_0(x) + (1 - g(x)) tau_1(x)
  with g = e_a / (e_a + e_0), the propensity of a among {a, control}.
- `dr_learner` (Kennedy 2023): the AIPW pseudo-outcome
  phi_a = mu_a(x) - mu_0(x) + 1[A=a] (Y - mu_a(x)) / e_a(x) - 1[A=0] (Y - mu_0(x)) / e_0(x),
  whose mean is the doubly robust average effect, regressed on x. The pseudo-outcomes use out-of-fold
  nuisances; the final regression that scores fold f is trained on the other folds' pseudo-outcomes.

The final-stage regressions use the base learner's continuous family. `phi` is also what the doubly
robust policy values (earmark.uplift.policy_value) and the average-effect interval are computed from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from earmark.parallel import jobs_for, run_tasks
from earmark.uplift.design import DesignSpec, apply_design
from earmark.uplift.learners import (
    DEFAULT_LEARNER,
    ConstantModel,
    calibration_method,
    fit_outcome_model,
    predict_outcome,
    subsample,
)
from earmark.uplift.propensity import PROPENSITY_CLIP as PROPENSITY_BOUNDS
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS, campaign_arrays

META_LEARNERS: tuple[str, ...] = ("t_learner", "x_learner", "dr_learner")
BASELINE_LEARNER = "t_learner"
# the same trimming as the IPW evaluation's assignment model, as one number: [clip, 1 - clip]
PROPENSITY_CLIP = PROPENSITY_BOUNDS[0]


def keyed_folds(keys: np.ndarray, strata: np.ndarray, n_folds: int, random_state: int) -> np.ndarray:
    """Fold 0..n_folds-1 per row from a stable key: within each stratum (sorted), rows are ordered by
    md5(seed:key) (the key breaks the rare hash tie) and dealt to the folds in turn, each stratum
    continuing where the previous one stopped. Fold sizes differ by at most one overall and within every
    stratum, and a row's fold depends on its key and stratum only, never on its position in the input."""
    if n_folds < 2:
        raise ValueError("n_folds must be >= 2")
    keys = np.asarray(keys).astype(str)
    strata = np.asarray(strata).astype(str)
    if len(keys) != len(strata):
        raise ValueError("keys and strata must have the same length")
    hashes = np.array([hashlib.md5(f"{random_state}:{k}".encode()).hexdigest() for k in keys], dtype=object)
    folds = np.empty(len(keys), dtype="int64")
    start = 0
    for value in np.unique(strata):
        rows = np.flatnonzero(strata == value)
        order = rows[np.lexsort((keys[rows], hashes[rows]))]
        folds[order] = (start + np.arange(len(rows))) % n_folds
        start = (start + len(rows)) % n_folds
    return folds


@dataclass
class Nuisances:
    """Out-of-fold nuisance estimates of one campaign frame (see the module doc).

    arms: the observed arm per row (text); control_arm, treatment_arms (sorted).
    y: the outcome (float, NaN when unknown); known: its mask. folds: fold per row.
    mu: arm -> out-of-fold E[Y | X, arm] per row. propensity: arm -> out-of-fold P(arm | X), clipped.
    clip: the clip; clipped_share: share of (row, arm) propensities the clip moved.
    outcome_models: (fold, arm) -> model; propensity_models: fold -> model (arm order: `arms_order`).
    """

    arms: np.ndarray
    control_arm: str
    treatment_arms: list[str]
    outcome_type: str
    y: np.ndarray
    known: np.ndarray
    folds: np.ndarray
    n_folds: int
    X: np.ndarray = field(repr=False)
    spec: DesignSpec = field(repr=False)
    mu: dict[str, np.ndarray] = field(repr=False)
    propensity: dict[str, np.ndarray] = field(repr=False)
    clip: float
    clipped_share: float
    outcome_models: dict[tuple[int, str], BaseEstimator] = field(repr=False)
    propensity_models: dict[int, BaseEstimator] = field(repr=False)
    calibration: str

    @property
    def arms_order(self) -> list[str]:
        return [self.control_arm, *self.treatment_arms]


def _propensity_model(random_state: int) -> HistGradientBoostingClassifier:
    # the outcome learner's settings: seeded, no early stopping (it would draw a validation split)
    return HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        early_stopping=False,
        random_state=random_state,
    )


def fit_propensity(X: np.ndarray, labels: np.ndarray, n_classes: int, random_state: int) -> BaseEstimator:
    """P(arm | X) over `n_classes` arms (labels 0..n_classes-1), uncalibrated: `fit_nuisances` calibrates
    the fold models together on their out-of-fold predictions (`CrossFittedCalibration`). A class absent
    from the rows gets probability 0; a single class, a constant."""
    counts = np.bincount(labels, minlength=n_classes)
    if (counts > 0).sum() < 2:
        return ConstantModel().fit(X, (labels > 0).astype("float64"))
    return _propensity_model(random_state).fit(X, labels)


class ProbabilityCalibrator:
    """One-vs-rest calibration of class probabilities: per class, isotonic regression of the class
    indicator on the raw probability (from 1,000 rows; Platt's sigmoid on the logit below), then rows
    renormalised to sum to one. With two classes only the second is calibrated, the first is its
    complement."""

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes

    def fit(self, raw: np.ndarray, labels: np.ndarray) -> ProbabilityCalibrator:
        self.method_ = calibration_method(len(labels))
        classes = [1] if self.n_classes == 2 else list(range(self.n_classes))
        self.maps_ = {}
        for c in classes:
            target = (labels == c).astype("float64")
            if target.min() == target.max():
                continue  # nothing to learn: the raw probability stays
            if self.method_ == "isotonic":
                mapping = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
                self.maps_[c] = mapping.fit(raw[:, c], target)
            else:
                self.maps_[c] = LogisticRegression().fit(_logit(raw[:, [c]]), target)
        return self

    def transform(self, raw: np.ndarray) -> np.ndarray:
        out = raw.copy()
        for c, mapping in self.maps_.items():
            if isinstance(mapping, IsotonicRegression):
                out[:, c] = mapping.predict(raw[:, c])
            else:
                out[:, c] = mapping.predict_proba(_logit(raw[:, [c]]))[:, 1]
        if self.n_classes == 2:
            out[:, 0] = 1.0 - out[:, 1]
            return out
        total = out.sum(axis=1, keepdims=True)
        return np.divide(out, total, out=np.full_like(out, 1.0 / self.n_classes), where=total > 0)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.log(p / (1.0 - p))


class CrossFittedCalibration(BaseEstimator):
    """A fold's assignment model with its calibrator: `predict_proba` is the calibrated probability.

    Cross-fitted calibration: the calibrator of fold f is fitted on the out-of-fold predictions of the
    rows outside fold f (each predicted by the fold model that did not train on it), so calibration costs
    one isotonic fit per fold instead of refitting the classifier inside every fold (CalibratedClassifierCV
    with cv=3 fits it four times), and no row is calibrated on its own assignment."""

    def __init__(self, model: BaseEstimator, calibrator: ProbabilityCalibrator, n_classes: int) -> None:
        self.model = model
        self.calibrator = calibrator
        self.n_classes = n_classes

    @property
    def classes_(self) -> np.ndarray:
        return np.arange(self.n_classes)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.calibrator.transform(_predict_propensity(self.model, X, self.n_classes))


def _predict_propensity(model: BaseEstimator, X: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities for classes 0..n_classes-1 (columns for classes the model never saw are 0)."""
    proba = np.asarray(model.predict_proba(X), dtype="float64")
    classes = getattr(model, "classes_", np.arange(proba.shape[1]))
    out = np.zeros((len(X), n_classes))
    out[:, np.asarray(classes, dtype="int64")] = proba
    return out


def _outcome_task(
    X: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    scored: np.ndarray,
    learner: str,
    outcome_type: str,
    calibrate: bool,
    random_state: int,
) -> tuple[BaseEstimator, str, np.ndarray]:
    """One fold's outcome model of one arm, with its calibration and its predictions of the fold's rows."""
    model, calibration = fit_outcome_model(
        X[rows],
        y[rows],
        learner=learner,
        outcome_type=outcome_type,
        calibrate=calibrate,
        random_state=random_state,
    )
    return model, calibration, predict_outcome(model, X[scored], outcome_type)


def _propensity_task(
    X: np.ndarray, labels: np.ndarray, rows: np.ndarray, scored: np.ndarray, n_classes: int, random_state: int
) -> tuple[BaseEstimator, np.ndarray]:
    """One fold's assignment model and its raw probabilities of the fold's rows."""
    model = fit_propensity(X[rows], labels[rows], n_classes, random_state)
    return model, _predict_propensity(model, X[scored], n_classes)


def _regression_task(
    X: np.ndarray, target: np.ndarray, rows: np.ndarray, scored: np.ndarray, learner: str, random_state: int
) -> tuple[BaseEstimator, np.ndarray]:
    """One final-stage regression (X- or DR-learner, one fold) and its predictions of the fold's rows."""
    model = _fit_regression(X, target, rows, learner, random_state)
    return model, predict_outcome(model, X[scored], "continuous")


def fit_nuisances(
    frame: pd.DataFrame,
    *,
    outcome: str,
    outcome_type: str,
    covariates: list[str],
    keys: np.ndarray,
    arm_column: str = "arm",
    control_arm: str = "control",
    learner: str = DEFAULT_LEARNER,
    n_folds: int = 5,
    calibrate: bool = True,
    clip: float = PROPENSITY_CLIP,
    random_state: int = 42,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
    n_threads: int | None = 1,
    groups: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> Nuisances:
    """Cross-fitted outcome and assignment models for every row of `frame` (see the module doc).

    keys: one stable identifier per row (e.g. 'campaign:customer'); folds are drawn from it. groups: one
    stable group key per row (e.g. 'campaign:account'), or None: a group's rows share one fold (grouped
    cross-fitting), so nothing learned from an account's other users, or from its assignment when a
    campaign treated whole accounts, scores it; groups are dealt to folds by the hash of their key.
    Rows with a null outcome are scored but never trained on. Each model trains on at most
    `max_train_rows` rows (a seeded sample above that). The fits run in up to `n_jobs` worker processes
    (None: earmark.parallel.jobs_for), with the same result whatever their number."""
    if not 0.0 < clip < 0.5:
        raise ValueError(f"the propensity clip must lie in (0, 0.5), got {clip}")
    arms, treatment_arms, y, known, spec, X, strata = campaign_arrays(
        frame,
        arm_column=arm_column,
        control_arm=control_arm,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=covariates,
        n_folds=n_folds,
    )
    order = [control_arm, *treatment_arms]
    if groups is None:
        folds = keyed_folds(keys, strata, n_folds, random_state)
    else:
        unique, position = np.unique(np.asarray(groups).astype(str), return_inverse=True)
        folds = keyed_folds(unique, np.zeros(len(unique)), n_folds, random_state)[position]
    position = {arm: a for a, arm in enumerate(order)}
    labels = np.array([position[a] for a in arms], dtype="int64")

    n = len(frame)
    mu = {arm: np.full(n, np.nan) for arm in order}
    raw_propensity = np.full((n, len(order)), np.nan)
    outcome_models: dict[tuple[int, str], BaseEstimator] = {}
    propensity_models: dict[int, BaseEstimator] = {}
    calibrations: set[str] = set()
    # every fold's outcome models and assignment model are independent fits: one task each
    tasks, slots = [], []
    for f in range(n_folds):
        scored = np.flatnonzero(folds == f)
        for a, arm in enumerate(order):
            available = np.flatnonzero((arms == arm) & (folds != f) & known)
            rows = subsample(available, max_train_rows, [random_state, f, a])
            options = (learner, outcome_type, calibrate, random_state)
            tasks.append((_outcome_task, (X, y, rows, scored, *options)))
            slots.append((f, arm, scored))
        rows = subsample(np.flatnonzero(folds != f), max_train_rows, [random_state, f, len(order)])
        tasks.append((_propensity_task, (X, labels, rows, scored, len(order), random_state)))
        slots.append((f, None, scored))
    for (f, arm, scored), result in zip(slots, run_tasks(tasks, jobs_for(n, n_jobs), n_threads), strict=True):
        if arm is None:
            propensity_models[f], raw_propensity[scored] = result
        else:
            outcome_models[(f, arm)], calibration, mu[arm][scored] = result
            calibrations.add(calibration)
    # calibrate each fold's assignment model on the other folds' out-of-fold predictions
    calibrated = raw_propensity.copy()
    for f in range(n_folds):
        scored = folds == f
        others = np.flatnonzero(~scored)
        if np.unique(labels[others]).size < 2 or isinstance(propensity_models[f], ConstantModel):
            continue
        calibrator = ProbabilityCalibrator(len(order)).fit(raw_propensity[others], labels[others])
        propensity_models[f] = CrossFittedCalibration(propensity_models[f], calibrator, len(order))
        calibrated[scored] = calibrator.transform(raw_propensity[scored])
    clipped = np.clip(calibrated, clip, 1.0 - clip)
    return Nuisances(
        arms=arms,
        control_arm=control_arm,
        treatment_arms=treatment_arms,
        outcome_type=outcome_type,
        y=y,
        known=known,
        folds=folds,
        n_folds=n_folds,
        X=X,
        spec=spec,
        mu=mu,
        propensity={arm: clipped[:, a] for a, arm in enumerate(order)},
        clip=clip,
        clipped_share=float(np.mean(clipped != calibrated)),
        outcome_models=outcome_models,
        propensity_models=propensity_models,
        calibration=", ".join(sorted(calibrations)),
    )


def pseudo_outcomes(nu: Nuisances) -> dict[str, np.ndarray]:
    """AIPW pseudo-outcome phi_a per row for every treatment arm a (NaN where the outcome is unknown):
    mean(phi_a) is the doubly robust estimate of the average effect of a against control."""
    y0 = np.where(nu.known, nu.y, 0.0)
    control = nu.arms == nu.control_arm
    out = {}
    for arm in nu.treatment_arms:
        in_arm = nu.arms == arm
        phi = (
            nu.mu[arm]
            - nu.mu[nu.control_arm]
            + in_arm * (y0 - nu.mu[arm]) / nu.propensity[arm]
            - control * (y0 - nu.mu[nu.control_arm]) / nu.propensity[nu.control_arm]
        )
        out[arm] = np.where(nu.known, phi, np.nan)
    return out


def outcome_ignoring_treatment(nu: Nuisances) -> np.ndarray:
    """Out-of-fold E[Y | X] whatever the arm, per row: sum over arms of P(arm | X) mu_arm(X) (the law of
    total expectation), from the nuisances already fitted, with the clipped propensities renormalised to
    sum to one. For a binary outcome this is the conversion propensity a propensity pipeline ranks by,
    at no extra fit: a separate cross-fitted and calibrated classifier cost four gradient boosting fits
    per fold and ranked the demo world's, Hillstrom's and Causalyn's rows no better (AUC within 0.015)."""
    propensity = np.column_stack([nu.propensity[arm] for arm in nu.arms_order])
    mu = np.column_stack([nu.mu[arm] for arm in nu.arms_order])
    return (propensity * mu).sum(axis=1) / propensity.sum(axis=1)


@dataclass
class UpliftFit:
    """The learners fitted on one campaign frame.

    nuisances: the shared out-of-fold nuisance models. phi: arm -> AIPW pseudo-outcome per row.
    effects: learner -> arm -> out-of-fold predicted effect per row.
    final_models: (learner, arm, fold, part) -> the final-stage regression (part 'dr', or 'treated' and
        'control' for the X-learner), kept to score rows outside the frame.
    """

    nuisances: Nuisances
    phi: dict[str, np.ndarray]
    effects: dict[str, dict[str, np.ndarray]]
    final_models: dict[tuple[str, str, int, str], BaseEstimator] = field(repr=False)
    learner: str
    random_state: int
    max_train_rows: int | None

    @property
    def learners(self) -> list[str]:
        return list(self.effects)


def _fit_regression(
    X: np.ndarray, target: np.ndarray, rows: np.ndarray, learner: str, random_state: int
) -> BaseEstimator:
    model, _ = fit_outcome_model(
        X[rows],
        target[rows],
        learner=learner,
        outcome_type="continuous",
        calibrate=False,
        random_state=random_state,
    )
    return model


def fit_uplift(
    frame: pd.DataFrame,
    *,
    outcome: str,
    outcome_type: str,
    covariates: list[str],
    keys: np.ndarray,
    learners: tuple[str, ...] = META_LEARNERS,
    arm_column: str = "arm",
    control_arm: str = "control",
    learner: str = DEFAULT_LEARNER,
    n_folds: int = 5,
    calibrate: bool = True,
    clip: float = PROPENSITY_CLIP,
    random_state: int = 42,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
    n_threads: int | None = 1,
    groups: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> UpliftFit:
    """Out-of-fold effects of every requested meta-learner (see the module doc). Deterministic, and the
    same under any row order of `frame` (folds come from `keys`; sample draws from positions, so sort the
    frame by its keys first, as the dbt models do)."""
    unknown = [name for name in learners if name not in META_LEARNERS]
    if unknown:
        raise ValueError(f"unknown meta-learners {unknown}; expected some of {META_LEARNERS}")
    nu = fit_nuisances(
        frame,
        outcome=outcome,
        outcome_type=outcome_type,
        covariates=covariates,
        keys=keys,
        arm_column=arm_column,
        control_arm=control_arm,
        learner=learner,
        n_folds=n_folds,
        calibrate=calibrate,
        clip=clip,
        random_state=random_state,
        max_train_rows=max_train_rows,
        n_threads=n_threads,
        groups=groups,
        n_jobs=n_jobs,
    )
    phi = pseudo_outcomes(nu)
    n = len(frame)
    effects: dict[str, dict[str, np.ndarray]] = {}
    control = nu.arms == nu.control_arm
    if "t_learner" in learners:
        effects["t_learner"] = {a: nu.mu[a] - nu.mu[nu.control_arm] for a in nu.treatment_arms}
    # every final-stage regression (learner, arm, fold, part) is an independent fit: one task each
    tasks, slots = [], []
    for j, arm in enumerate(nu.treatment_arms):
        in_arm = nu.arms == arm
        imputed = np.where(in_arm, nu.y - nu.mu[nu.control_arm], nu.mu[arm] - nu.y)
        for f in range(n_folds):
            scored = np.flatnonzero(nu.folds == f)
            if "x_learner" in learners:
                for part, mask in (("treated", in_arm), ("control", control)):
                    available = np.flatnonzero(mask & (nu.folds != f) & nu.known)
                    rows = subsample(available, max_train_rows, [random_state, f, j, 1 + (part == "control")])
                    tasks.append((_regression_task, (nu.X, imputed, rows, scored, learner, random_state)))
                    slots.append(("x_learner", arm, f, part))
            if "dr_learner" in learners:
                available = np.flatnonzero((nu.folds != f) & nu.known)
                rows = subsample(available, max_train_rows, [random_state, f, j, 3])
                tasks.append((_regression_task, (nu.X, phi[arm], rows, scored, learner, random_state)))
                slots.append(("dr_learner", arm, f, "dr"))
    results = dict(zip(slots, run_tasks(tasks, jobs_for(n, n_jobs), n_threads), strict=True))
    # the models in the order a fold-by-fold loop of each learner would store them
    final_models = {
        slot: results[slot][0] for slot in sorted(results, key=lambda key: META_LEARNERS.index(key[0]))
    }
    for name in ("x_learner", "dr_learner"):
        if name not in learners:
            continue
        effects[name] = {}
        for arm in nu.treatment_arms:
            g = nu.propensity[arm] / (nu.propensity[arm] + nu.propensity[nu.control_arm])
            tau = np.full(n, np.nan)
            for f in range(n_folds):
                scored = np.flatnonzero(nu.folds == f)
                if name == "x_learner":
                    treated_part = results[(name, arm, f, "treated")][1]
                    control_part = results[(name, arm, f, "control")][1]
                    tau[scored] = g[scored] * control_part + (1.0 - g[scored]) * treated_part
                else:
                    tau[scored] = results[(name, arm, f, "dr")][1]
            effects[name][arm] = tau
    return UpliftFit(
        nuisances=nu,
        phi=phi,
        effects={name: effects[name] for name in learners},
        final_models=final_models,
        learner=learner,
        random_state=random_state,
        max_train_rows=max_train_rows,
    )


def score_rows(
    fit: UpliftFit,
    frame: pd.DataFrame,
    meta_learner: str,
    n_threads: int | None = 1,
    own_fold: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> dict[str, np.ndarray]:
    """Predicted effect per treatment arm for rows outside the training frame (today's customers), out of
    sample: a row whose customer the fit trained on (`own_fold`: that customer's fold, -1 for none) is
    scored by its own fold's models only, the ones that never saw its outcome; any other row by the mean of
    the n_folds fold models' effects. Needs only the covariate columns. Without `own_fold` every row gets
    the mean, which is in sample for a row that was trained on. The folds predict in up to `n_jobs` worker
    processes (None: earmark.parallel.jobs_for); a prediction depends on its row only, so the scores are
    the same whatever their number."""
    return score_learners(fit, frame, (meta_learner,), n_threads, own_fold, n_jobs)[meta_learner]


def score_learners(
    fit: UpliftFit,
    frame: pd.DataFrame,
    meta_learners: tuple[str, ...] = META_LEARNERS,
    n_threads: int | None = 1,
    own_fold: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """score_rows of several meta-learners at once (learner -> arm -> effect): the design matrix is built
    once, and every (learner, fold) prediction goes to the workers in one batch."""
    unknown = [name for name in meta_learners if name not in META_LEARNERS]
    if unknown:
        raise ValueError(f"unknown meta-learner {unknown[0]!r}")
    nu = fit.nuisances
    X, _ = apply_design(frame, nu.spec)
    k = nu.n_folds
    own = np.full(len(frame), -1) if own_fold is None else np.asarray(own_fold, dtype="int64")
    arms = _ArmFacts(nu.control_arm, tuple(nu.treatment_arms), nu.outcome_type, nu.clip)
    # a row scored by its own fold needs that fold's models only; a row the fit never saw needs all k:
    # each fold's models predict just the rows that use them (a prediction does not depend on the
    # other rows, so the scores are the same as predicting every row with every fold)
    used_by_fold = {f: np.flatnonzero((own == f) | (own < 0)) for f in range(k)}
    slots, tasks = [], []
    for name in meta_learners:
        for f, used in used_by_fold.items():
            if len(used):
                slots.append((name, f, used))
                # each task carries only its fold's models of this learner and the arms, not the whole fit
                tasks.append((_fold_effects, (_fold_models(fit, name, f), name, X[used], arms)))
    effects = {
        name: {arm: np.full((len(frame), k), np.nan) for arm in nu.treatment_arms} for name in meta_learners
    }
    for (name, f, used), fold_effects in zip(
        slots, run_tasks(tasks, jobs_for(len(frame), n_jobs), n_threads), strict=True
    ):
        for arm, effect in fold_effects.items():
            effects[name][arm][used, f] = effect
    seen, unseen = np.flatnonzero(own >= 0), own < 0
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, by_arm in effects.items():
        out[name] = {}
        for arm, stacked in by_arm.items():
            effect = np.empty(len(frame))
            effect[seen] = stacked[seen, own[seen]]
            effect[unseen] = stacked[unseen].mean(axis=1)
            out[name][arm] = effect
    return out


def _fold_models(fit: UpliftFit, meta_learner: str, f: int) -> dict[str, object]:
    """Fold f's models that `meta_learner`'s effect reads."""
    nu = fit.nuisances
    if meta_learner == "t_learner":
        return {"outcome": {arm: nu.outcome_models[(f, arm)] for arm in nu.arms_order}}
    if meta_learner == "dr_learner":
        return {"dr": {arm: fit.final_models[("dr_learner", arm, f, "dr")] for arm in nu.treatment_arms}}
    return {
        "propensity": nu.propensity_models[f],
        **{
            part: {arm: fit.final_models[("x_learner", arm, f, part)] for arm in nu.treatment_arms}
            for part in ("treated", "control")
        },
    }


@dataclass(frozen=True)
class _ArmFacts:
    """What scoring needs of a fit besides its models: the arms, the outcome type and the clip."""

    control_arm: str
    treatment_arms: tuple[str, ...]
    outcome_type: str
    clip: float


def _fold_effects(models: dict, meta_learner: str, X: np.ndarray, nu: _ArmFacts) -> dict[str, np.ndarray]:
    """The effect of every treatment arm on the rows of X by one fold's models of `meta_learner`
    (`models` from _fold_models)."""
    if meta_learner == "t_learner":
        control = predict_outcome(models["outcome"][nu.control_arm], X, nu.outcome_type)
        return {
            arm: predict_outcome(models["outcome"][arm], X, nu.outcome_type) - control
            for arm in nu.treatment_arms
        }
    if meta_learner == "dr_learner":
        return {arm: predict_outcome(models["dr"][arm], X, "continuous") for arm in nu.treatment_arms}
    # propensity columns: control, then each treatment arm
    e = _predict_propensity(models["propensity"], X, 1 + len(nu.treatment_arms))
    e = np.clip(e, nu.clip, 1 - nu.clip)
    out = {}
    for j, arm in enumerate(nu.treatment_arms):
        g = e[:, j + 1] / (e[:, j + 1] + e[:, 0])
        tau = {part: predict_outcome(models[part][arm], X, "continuous") for part in ("treated", "control")}
        out[arm] = g * tau["control"] + (1.0 - g) * tau["treated"]
    return out
