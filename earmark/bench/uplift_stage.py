"""The uplift stage's fit against a plain T-learner of the field, on the same training rows.

`uplift_baselines` reads what the uplift stage fitted from the stages' warehouse (the campaign training
set and the run parameters) and times, in the benchmark process, each the best of BASELINE_RUNS runs:

- Earmark's fit: `earmark.dbt.uplift_scores.campaign_fits`, exactly what int_uplift_learner_scores runs
  (T, X and DR learners on cross-fitted, calibrated nuisances, per fitted campaign);
- the peer: a plain T-learner on every arm against control of the same campaigns, on the same design
  matrix, one gradient boosting model per arm (`make_learner`, the same trees), fit on every row and
  predicted in sample: scikit-uplift's `TwoModels` where it is installed (`make bench` runs in the bench
  environment, requirements-bench.txt), else the same two models in scikit-learn, and the table says which.

Each fit runs on one thread; Earmark's, as in the dbt model, spreads its independent fits over worker
processes (`earmark.parallel`), and the table says how many. The peer has no folds, no calibration and
no propensity model, so it is the speed floor of any uplift fit of these rows, not an equal: the ratio
says what the out-of-sample evidence costs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from earmark.bench.baselines import BASELINE_RUNS, measure_in_process
from earmark.dbt.model_io import read_parameters, used_parameters
from earmark.dbt.uplift import covariates, human_campaign, not_estimable_reason, policy_campaign
from earmark.dbt.uplift_scores import FIT_PARAMETERS, campaign_fits
from earmark.parallel import jobs_for
from earmark.uplift.design import apply_design, design_spec
from earmark.uplift.learners import make_learner
from earmark.uplift.tlearner import threads

PEER_SKLIFT = "scikit-uplift TwoModels (T)"
PEER_SKLEARN = "scikit-learn two models (T)"
CONTROL_ARM = "control"


def read_uplift_inputs(db: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The campaign training set and the fit's parameters, as int_uplift_learner_scores reads them."""
    with duckdb.connect(str(db), read_only=True) as con:
        training = con.sql("select * from intermediate.int_campaign_training_set").df()
        parameters = con.sql("select * from intermediate.int_run_parameters").df()
    return training, read_parameters(used_parameters(parameters, FIT_PARAMETERS))


def campaign_designs(training: pd.DataFrame, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per campaign the stage fits (the policy campaign, and the human-outreach one where there is one and
    it is estimable): its design matrix, binary outcome and arm per row."""
    designs = []
    for rows in (policy_campaign(training, params), human_campaign(training, params)):
        if rows.empty or not_estimable_reason(rows, params) is not None:
            continue
        X, _ = apply_design(rows, design_spec(rows, covariates(rows, params)))
        designs.append(
            {
                "campaign_id": str(rows["campaign_id"].iloc[0]),
                "X": X,
                "y": rows[params["uplift_outcome"]].to_numpy("float64"),
                "arm": rows["arm"].astype(str).to_numpy(),
            }
        )
    return designs


def peer_t_learner(
    seed: int, outcome_type: str
) -> tuple[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]]:
    """(name, fit-and-predict(X, y, treated) -> effect per row) of the plain T-learner this environment has:
    classifiers for a binary outcome (the effect on its probability), regressors for a continuous one."""

    def model():
        return make_learner("hist_gradient_boosting", outcome_type, seed)

    def predicted(fitted, X: np.ndarray) -> np.ndarray:
        return fitted.predict_proba(X)[:, 1] if outcome_type == "binary" else fitted.predict(X)

    try:
        from sklift.models import TwoModels
    except ImportError:

        def two_models(X: np.ndarray, y: np.ndarray, treated: np.ndarray) -> np.ndarray:
            treated_model = model().fit(X[treated], y[treated])
            control_model = model().fit(X[~treated], y[~treated])
            return predicted(treated_model, X) - predicted(control_model, X)

        return PEER_SKLEARN, two_models

    def sklift_two_models(X: np.ndarray, y: np.ndarray, treated: np.ndarray) -> np.ndarray:
        # TwoModels predicts with predict_proba for a binary target, else with predict
        two = TwoModels(estimator_trmnt=model(), estimator_ctrl=model(), method="vanilla")
        return np.asarray(two.fit(X, y, treated.astype("int64")).predict(X), dtype="float64")

    return PEER_SKLIFT, sklift_two_models


def fit_peer(
    designs: list[dict[str, Any]], fit: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
) -> list[np.ndarray]:
    """The peer's effects: per campaign and treatment arm, on that arm's and control's rows, one thread."""
    effects = []
    with threads(1):
        for design in designs:
            for arm in sorted(set(design["arm"]) - {CONTROL_ARM}):
                rows = np.isin(design["arm"], [arm, CONTROL_ARM])
                effects.append(fit(design["X"][rows], design["y"][rows], design["arm"][rows] == arm))
    return effects


def uplift_baselines(db: Path, runs: int = BASELINE_RUNS) -> dict[str, Any]:
    """Earmark's uplift fit and the peer T-learner on the stage's training rows, each the best of `runs`
    warm runs in this process (measure_in_process figures), with what they fitted."""
    training, params = read_uplift_inputs(db)
    designs = campaign_designs(training, params)
    if not designs:
        return {"skipped": "no estimable campaign in the training set"}
    name, fit = peer_t_learner(int(params["uplift_seed"]), str(params["uplift_outcome_type"]))
    fits, earmark_figures = measure_in_process(
        "earmark uplift fit", lambda: campaign_fits(training, params), runs
    )
    effects, peer_figures = measure_in_process(name, lambda: fit_peer(designs, fit), runs)
    return {
        "peer_name": name,
        "campaigns": [design["campaign_id"] for design in designs],
        "training_rows": int(sum(len(design["y"]) for design in designs)),
        "arm_fits": len(effects),
        "earmark_campaigns": len(fits),
        # campaign_fits spreads its fits over worker processes (earmark.parallel); the peer uses one
        "earmark_workers": max(jobs_for(len(design["y"])) for design in designs),
        "earmark": earmark_figures,
        "peer": peer_figures,
    }
