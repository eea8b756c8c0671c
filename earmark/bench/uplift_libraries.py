"""Earmark's uplift learners side by side with the field's libraries: same data, same folds, known truth.

`confounded_campaign` draws a seeded two-arm campaign whose assignment was aimed (like the demo world's)
at customers with a low baseline: the propensity falls with x1, which also raises the baseline, so the
naive treated-minus-control difference is biased downwards. Every row carries its true effect (the
difference of its two conversion probabilities) and its true propensity (kept within [0.05, 0.95]).

`run_benchmark` fits, on one thread each and timed by wall clock:

- Earmark `fit_uplift` (T, X and DR learners on one set of shared out-of-fold nuisances, histogram
  gradient boosting as in `earmark.uplift.learners.make_learner`), with `calibrate` on and off. One fit
  gives all three learners, so they share one time; and the T-learner alone (uncalibrated), which still
  cross-fits its outcome models and the assignment model: the cost of cross-fitting itself;
- a plain two-model T-learner in scikit-learn (one classifier per arm on every row, predicted in sample),
  which needs no library and is the speed floor of any T-learner;
- with `libraries=True` (the default of the command): EconML's `DRLearner` with `model_propensity` and
  `model_regression` the same gradient-boosting classifiers and `model_final` the same regressor, given
  Earmark's `keyed_folds` as its `cv` splits, so its nuisances are out of fold on the same folds;
  causalml's `BaseDRLearner` (gradient-boosting regressors) given Earmark-fold out-of-fold propensities
  as `p`, but its outcome and effect models use its own seeded 3-way `KFold` split, which it does not
  let a caller replace; causalml's `BaseTClassifier` and scikit-uplift's `TwoModels`, the plain
  library T-learners (fit on every row, predicted in sample), against which every time is a ratio.

For each: mean predicted effect against the true mean, RMSE and Spearman correlation of predicted
against true per-row effect, and the doubly robust average effect with its 95% interval where the method
gives one (Earmark and EconML from the AIPW pseudo-outcomes, causalml from its `estimate_ate`).

The libraries are not project dependencies: they live in `.venv-bench` (`make bench-uplift`, from
`requirements-bench.txt`). The tests (tests/python/test_bench_libraries.py) exercise the generator and the
Earmark side of the harness without them; the library side runs only in the benchmark command.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from earmark.uplift.learners import make_learner
from earmark.uplift.metalearners import PROPENSITY_CLIP, fit_uplift, keyed_folds
from earmark.uplift.policy_value import dr_average_effect
from earmark.uplift.tlearner import threads

UPLIFT_START = "<!-- bench-uplift:start -->"
UPLIFT_END = "<!-- bench-uplift:end -->"
TREATMENT = "treatment"
PLAIN_T = "scikit-learn two models (T)"
LIBRARY_T = "causalml BaseTClassifier (T)"
COLUMNS = [
    "rows",
    "method",
    "seconds",
    "ratio_to_t",
    "mean_effect",
    "true_mean",
    "rmse",
    "spearman",
    "ate",
    "ate_low",
    "ate_high",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def confounded_campaign(n_rows: int, n_covariates: int = 10, seed: int = 42) -> pd.DataFrame:
    """A seeded two-arm campaign with confounded assignment and a known effect per row: customer_id,
    x1..x<n_covariates> (2% of the last one missing), arm ('control' / 'treatment'), converted (0/1),
    true_uplift, true_propensity. Baseline logit -1 + 0.8 x1 - 0.4 x2 + 0.3 x4; effect on the logit
    -0.2 + 0.6 [x3 > 0] + 0.5 [x1 < 0]; propensity logit -0.4 - 1.2 x1 + 0.5 x2, within [0.05, 0.95]."""
    if n_covariates < 4:
        raise ValueError("n_covariates must be >= 4")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_covariates))
    base_logit = -1.0 + 0.8 * X[:, 0] - 0.4 * X[:, 1] + 0.3 * X[:, 3]
    effect_logit = -0.2 + 0.6 * (X[:, 2] > 0) + 0.5 * (X[:, 0] < 0)
    p0, p1 = _sigmoid(base_logit), _sigmoid(base_logit + effect_logit)
    propensity = np.clip(_sigmoid(-0.4 - 1.2 * X[:, 0] + 0.5 * X[:, 1]), 0.05, 0.95)
    treated = rng.random(n_rows) < propensity
    converted = rng.random(n_rows) < np.where(treated, p1, p0)
    frame = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(n_covariates)])
    frame.iloc[rng.random(n_rows) < 0.02, n_covariates - 1] = np.nan
    frame.insert(0, "customer_id", [f"C{i:07d}" for i in range(n_rows)])
    frame["arm"] = np.where(treated, TREATMENT, "control")
    frame["converted"] = converted.astype("int64")
    frame["true_uplift"] = p1 - p0
    frame["true_propensity"] = propensity
    return frame


def covariate_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("x")]


def naive_difference(frame: pd.DataFrame) -> float:
    """Mean outcome of the treated minus that of the control rows: what ignoring the assignment says."""
    treated = frame["arm"] == TREATMENT
    return float(frame.loc[treated, "converted"].mean() - frame.loc[~treated, "converted"].mean())


@dataclass
class Record:
    """One method's out-of-run result: per-row predicted effect, wall seconds, and the DR average effect
    (estimate, low, high) when the method gives one."""

    method: str
    seconds: float
    effect: np.ndarray = field(repr=False)
    ate: tuple[float, float, float] = (np.nan, np.nan, np.nan)


def _timed(function: Callable[[], object], n_threads: int | None) -> tuple[object, float]:
    start = time.perf_counter()
    with threads(n_threads):
        out = function()
    return out, time.perf_counter() - start


def bench_folds(frame: pd.DataFrame, n_folds: int, seed: int) -> np.ndarray:
    """Earmark's folds for the frame: keyed by customer, stratified by arm and outcome (as `fit_uplift`
    draws them), so every method below can be handed the very same partition."""
    strata = frame["arm"].astype(str) + ":" + frame["converted"].astype(str)
    return keyed_folds(frame["customer_id"].to_numpy(), strata.to_numpy(), n_folds, seed)


def run_earmark(
    frame: pd.DataFrame, *, n_folds: int = 5, seed: int = 42, n_threads: int | None = 1
) -> list[Record]:
    """Earmark's T, X and DR learners (one fit for the three), with calibration on and off; then the
    T-learner alone, uncalibrated (its outcome and assignment models only): the cost of cross-fitting."""
    records = []
    for calibrate in (True, False):
        fit, seconds = _timed(
            lambda calibrate=calibrate: fit_uplift(
                frame,
                outcome="converted",
                outcome_type="binary",
                covariates=covariate_columns(frame),
                keys=frame["customer_id"].to_numpy(),
                n_folds=n_folds,
                calibrate=calibrate,
                random_state=seed,
                n_threads=n_threads,
            ),
            n_threads,
        )
        ate = dr_average_effect(fit.phi[TREATMENT])
        label = "calibrated" if calibrate else "uncalibrated"
        for name, short in (("t_learner", "T"), ("x_learner", "X"), ("dr_learner", "DR")):
            records.append(
                Record(
                    f"Earmark {short}, {label} (T+X+DR one fit)",
                    seconds,
                    fit.effects[name][TREATMENT],
                    ate if name == "dr_learner" else (np.nan, np.nan, np.nan),
                )
            )
    fit, seconds = _timed(
        lambda: fit_uplift(
            frame,
            outcome="converted",
            outcome_type="binary",
            covariates=covariate_columns(frame),
            keys=frame["customer_id"].to_numpy(),
            learners=("t_learner",),
            n_folds=n_folds,
            calibrate=False,
            random_state=seed,
            n_threads=n_threads,
        ),
        n_threads,
    )
    records.append(Record("Earmark T alone, uncalibrated", seconds, fit.effects["t_learner"][TREATMENT]))
    return records


def _hgb_classifier(seed: int) -> HistGradientBoostingClassifier:
    return make_learner("hist_gradient_boosting", "binary", seed)


def _hgb_regressor(seed: int) -> HistGradientBoostingRegressor:
    return make_learner("hist_gradient_boosting", "continuous", seed)


def run_plain_t(frame: pd.DataFrame, *, seed: int = 42, n_threads: int | None = 1) -> Record:
    """Two gradient-boosting classifiers, one per arm, on every row; the effect predicted in sample."""
    X = frame[covariate_columns(frame)].to_numpy(dtype="float64")
    y = frame["converted"].to_numpy()
    treated = (frame["arm"] == TREATMENT).to_numpy()

    def fit() -> np.ndarray:
        m1 = _hgb_classifier(seed).fit(X[treated], y[treated])
        m0 = _hgb_classifier(seed).fit(X[~treated], y[~treated])
        return m1.predict_proba(X)[:, 1] - m0.predict_proba(X)[:, 1]

    effect, seconds = _timed(fit, n_threads)
    return Record(PLAIN_T, seconds, effect)


def run_libraries(
    frame: pd.DataFrame, folds: np.ndarray, *, seed: int = 42, n_threads: int | None = 1
) -> list[Record]:
    """EconML DRLearner, causalml BaseDRLearner and BaseTClassifier, scikit-uplift TwoModels (see the
    module doc). Needs the bench environment (`make bench-uplift`)."""
    try:
        from causalml.inference.meta import BaseDRLearner, BaseTClassifier
        from econml.dr import DRLearner
        from sklift.models import TwoModels
    except ImportError as error:
        raise ImportError(
            f"{error}: the library comparison needs the bench environment; run `make bench-uplift` "
            "(requirements-bench.txt in .venv-bench), or pass --no-libraries"
        ) from error

    X = frame[covariate_columns(frame)].to_numpy(dtype="float64")
    y = frame["converted"].to_numpy()
    treated = (frame["arm"] == TREATMENT).to_numpy()
    t = treated.astype("int64")
    splits = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in np.unique(folds)]
    records = []
    # the libraries warn about column vectors, NaN inputs and missing propensity models on every call
    warnings.filterwarnings("ignore", module="(econml|causalml|sklift|sklearn)")

    def econml_fit():
        est = DRLearner(
            model_propensity=_hgb_classifier(seed),
            model_regression=_hgb_classifier(seed),
            model_final=_hgb_regressor(seed),
            discrete_outcome=True,
            min_propensity=PROPENSITY_CLIP,
            cv=splits,
            random_state=seed,
            allow_missing=True,  # gradient boosting takes the missing x values as they are
        )
        est.fit(y, t, X=X, cache_values=True)
        return est, np.asarray(est.effect(X)).reshape(-1)  # effect() gives one column per treatment

    (est, effect), seconds = _timed(econml_fit, n_threads)
    # the AIPW pseudo-outcomes of the fitted nuisances (cached by fit: Y_pred per arm, column 0 control)
    y_pred = np.asarray(est._cached_values.nuisances[0]).reshape(len(y), -1)
    ate = dr_average_effect(y_pred[:, 1] - y_pred[:, 0])
    records.append(Record("EconML DRLearner (Earmark folds as cv)", seconds, effect, ate))

    def causalml_dr():
        propensity = np.full(len(y), np.nan)
        for train, test in splits:
            model = _hgb_classifier(seed).fit(X[train], t[train])
            propensity[test] = model.predict_proba(X[test])[:, 1]
        propensity = np.clip(propensity, PROPENSITY_CLIP, 1.0 - PROPENSITY_CLIP)
        est = BaseDRLearner(learner=_hgb_regressor(seed), control_name=0)
        est.fit(X, treatment=t, y=y, p=propensity, seed=seed)
        effect = np.asarray(est.predict(X, p=propensity)).reshape(-1)
        ate, low, high = est.estimate_ate(X, treatment=t, y=y, p=propensity, pretrain=True)
        return effect, (float(ate[0]), float(low[0]), float(high[0]))

    (effect, ate), seconds = _timed(causalml_dr, n_threads)
    records.append(Record("causalml BaseDRLearner (p on Earmark folds)", seconds, effect, ate))

    def causalml_t():
        est = BaseTClassifier(learner=_hgb_classifier(seed), control_name=0)
        est.fit(X, treatment=t, y=y)
        return np.asarray(est.predict(X)).reshape(-1)

    effect, seconds = _timed(causalml_t, n_threads)
    records.append(Record(LIBRARY_T, seconds, effect))

    def sklift_t():
        est = TwoModels(estimator_trmnt=_hgb_classifier(seed), estimator_ctrl=_hgb_classifier(seed))
        est.fit(X, y, t)
        return np.asarray(est.predict(X)).reshape(-1)

    effect, seconds = _timed(sklift_t, n_threads)
    records.append(Record("scikit-uplift TwoModels (T)", seconds, effect))
    return records


def summary_table(records: list[Record], truth: np.ndarray, baseline: str) -> pd.DataFrame:
    """One row per record (COLUMNS): wall seconds and their ratio to the `baseline` record's, mean
    predicted against true effect, RMSE and Spearman correlation against the truth, DR average effect."""
    times = {r.method: r.seconds for r in records}
    if baseline not in times:
        raise ValueError(f"no record named {baseline!r} to take the time ratios against")
    rows = []
    for r in records:
        effect = np.asarray(r.effect, dtype="float64")
        if effect.shape != np.shape(truth):
            raise ValueError(f"{r.method}: effect of shape {effect.shape}, truth of shape {np.shape(truth)}")
        rows.append(
            {
                "rows": len(truth),
                "method": r.method,
                "seconds": r.seconds,
                "ratio_to_t": r.seconds / times[baseline],
                "mean_effect": float(effect.mean()),
                "true_mean": float(np.mean(truth)),
                "rmse": float(np.sqrt(np.mean((effect - truth) ** 2))),
                "spearman": float(spearmanr(effect, truth).statistic),
                "ate": r.ate[0],
                "ate_low": r.ate[1],
                "ate_high": r.ate[2],
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def run_benchmark(
    n_rows: int,
    *,
    n_covariates: int = 10,
    n_folds: int = 5,
    seed: int = 42,
    libraries: bool = True,
    n_threads: int | None = 1,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Every method on one confounded campaign of `n_rows` rows; the table (ratios against causalml's
    T-learner with the libraries, against the plain scikit-learn one without) and the campaign's facts
    (true mean effect, naive difference, treated share)."""
    frame = confounded_campaign(n_rows, n_covariates, seed)
    folds = bench_folds(frame, n_folds, seed)
    records = [run_plain_t(frame, seed=seed, n_threads=n_threads)]
    if libraries:
        records += run_libraries(frame, folds, seed=seed, n_threads=n_threads)
    records += run_earmark(frame, n_folds=n_folds, seed=seed, n_threads=n_threads)
    truth = frame["true_uplift"].to_numpy()
    table = summary_table(records, truth, LIBRARY_T if libraries else PLAIN_T)
    facts = {
        "true_mean": float(truth.mean()),
        "naive_difference": naive_difference(frame),
        "treated_share": float((frame["arm"] == TREATMENT).mean()),
    }
    return table, facts


def _fmt(value: float, digits: int = 4) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}f}"


def format_table(table: pd.DataFrame, facts: dict[str, float], markdown: bool) -> str:
    """The table as Markdown or as aligned text, headed by the campaign's facts."""
    n = int(table["rows"].iloc[0])
    head = (
        f"{n:,} rows: treated share {facts['treated_share']:.3f}, true mean effect "
        f"{facts['true_mean']:+.4f}, naive treated-minus-control difference {facts['naive_difference']:+.4f}"
    )
    header = ["method", "seconds", "x T", "mean effect", "RMSE", "Spearman", "DR ATE [95% CI]"]
    lines = []
    for row in table.itertuples(index=False):
        ci = "" if pd.isna(row.ate) else f"{row.ate:+.4f} [{row.ate_low:+.4f}, {row.ate_high:+.4f}]"
        lines.append(
            [
                row.method,
                f"{row.seconds:.1f}",
                f"{row.ratio_to_t:.1f}",
                f"{row.mean_effect:+.4f}",
                _fmt(row.rmse),
                _fmt(row.spearman, 3),
                ci,
            ]
        )
    if markdown:
        out = [f"**{head}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(cells[i]) for cells in lines)) for i, h in enumerate(header)]
    out = [head, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in lines]
    return "\n".join(out)


def machine_line() -> str:
    import sklearn

    return f"{os.cpu_count()} cores; scikit-learn {sklearn.__version__}; every fit on one thread"


def rewrite_uplift_section(document: str, body: str) -> str:
    """Replace what lies between the bench-uplift markers of a document with body (markers kept)."""
    start, end = document.find(UPLIFT_START), document.find(UPLIFT_END)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the markers {UPLIFT_START} and {UPLIFT_END}, in that order")
    return document[: start + len(UPLIFT_START)] + "\n" + body.rstrip() + "\n" + document[end:]
