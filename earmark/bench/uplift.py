"""Benchmark of the T-learner on a synthetic randomised campaign: wall time and peak memory.

`synthetic_campaign` draws n rows with `n_covariates` standard normal covariates (2% of the last one
missing), a 50/50 randomised arm ('control' / 'treatment') and a binary outcome whose baseline depends on
x1 and x2 and whose effect depends on x3 (+0.10 where x3 > 0, -0.05 elsewhere). `run_benchmark` times
`fit_t_learner` (5 folds, calibrated gradient boosting, the default `max_train_rows`), `score_new` on as
many fresh customers, and `evaluate_uplift` (200 bootstrap replicates) on the out-of-fold scores.

Memory is the process high-water resident set size (`resource.getrusage(RUSAGE_SELF).ru_maxrss`), so
numpy, scikit-learn and OpenMP buffers count; it never goes down, so run each size in a fresh process for
a clean figure.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np
import pandas as pd

from earmark.uplift.evaluation import evaluate_uplift
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS, fit_t_learner, score_new


def synthetic_campaign(n_rows: int, n_covariates: int = 10, seed: int = 42) -> pd.DataFrame:
    """A seeded randomised two-arm campaign frame: x1..x<n_covariates>, arm, converted, true_uplift."""
    if n_covariates < 3:
        raise ValueError("n_covariates must be >= 3")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_covariates))
    frame = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(n_covariates)])
    frame.iloc[rng.random(n_rows) < 0.02, n_covariates - 1] = np.nan
    baseline = 1.0 / (1.0 + np.exp(-(-1.2 + 0.8 * X[:, 0] - 0.5 * X[:, 1])))
    effect = np.where(X[:, 2] > 0, 0.10, -0.05)
    treated = rng.random(n_rows) < 0.5
    p = np.clip(baseline + treated * effect, 0.0, 1.0)
    frame["arm"] = np.where(treated, "treatment", "control")
    frame["converted"] = rng.random(n_rows) < p
    frame["true_uplift"] = np.clip(baseline + effect, 0.0, 1.0) - baseline
    return frame


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_benchmark(
    n_rows: int,
    n_covariates: int = 10,
    n_folds: int = 5,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
    n_boot: int = 200,
    seed: int = 42,
) -> pd.DataFrame:
    """Time each step on `n_rows` synthetic rows; print the table and return it (step, seconds,
    cpu_seconds, peak_rss_mb: the process high-water mark after the step)."""
    rows = []

    def record(step: str, start: float, cpu: float) -> None:
        rows.append(
            {
                "step": step,
                "seconds": time.perf_counter() - start,
                "cpu_seconds": time.process_time() - cpu,
                "peak_rss_mb": _peak_mb(),
            }
        )

    covariates = [f"x{j + 1}" for j in range(n_covariates)]
    start, cpu = time.perf_counter(), time.process_time()
    frame = synthetic_campaign(n_rows, n_covariates, seed)
    fresh = synthetic_campaign(n_rows, n_covariates, seed + 1)[covariates]
    record("generate", start, cpu)

    start, cpu = time.perf_counter(), time.process_time()
    result = fit_t_learner(
        frame,
        outcome="converted",
        outcome_type="binary",
        covariates=covariates,
        n_folds=n_folds,
        max_train_rows=max_train_rows,
        random_state=seed,
    )
    record("fit_t_learner", start, cpu)

    start, cpu = time.perf_counter(), time.process_time()
    score_new(result, fresh)
    record("score_new", start, cpu)

    start, cpu = time.perf_counter(), time.process_time()
    evaluation = evaluate_uplift(
        result.scores["uplift_treatment"].to_numpy(),
        (frame["arm"] == "treatment").to_numpy(),
        frame["converted"].to_numpy(),
        n_boot=n_boot,
        random_state=seed,
    )
    record("evaluate_uplift", start, cpu)

    table = pd.DataFrame(rows)
    fitted = table["step"] != "generate"
    total = {
        "step": "total (excl. generate)",
        "seconds": table.loc[fitted, "seconds"].sum(),
        "cpu_seconds": table.loc[fitted, "cpu_seconds"].sum(),
        "peak_rss_mb": table["peak_rss_mb"].max(),
    }
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    qini = evaluation["summary"].set_index("metric").loc["qini_coefficient"]
    print(
        f"T-learner on {n_rows:,} rows x {n_covariates} covariates, 2 arms, {n_folds} folds, "
        f"max_train_rows={max_train_rows}; {os.cpu_count()} CPUs; memory = process high-water RSS"
    )
    print(f"{'step':<24} {'seconds':>9} {'CPU s':>9} {'peak RSS MB':>12}")
    for row in table.itertuples(index=False):
        print(f"{row.step:<24} {row.seconds:>9.2f} {row.cpu_seconds:>9.2f} {row.peak_rss_mb:>12.0f}")
    print(
        f"out-of-fold qini coefficient {qini['value']:.4f} [{qini['ci_low']:.4f}, {qini['ci_high']:.4f}]; "
        f"fits trained on {int(result.fits['n_train'].max()):,} of up to "
        f"{int(result.fits['n_available'].max()):,} available rows per (fold, arm)"
    )
    return table
