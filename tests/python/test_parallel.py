"""earmark.parallel: fits spread over worker processes give the same results, bit for bit, as in the
calling process; the worker count comes from EARMARK_JOBS or the cores, and small inputs stay local."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_metalearners import confounded_frame

from earmark import parallel
from earmark.churn import fit_surrogate, out_of_fold_scores
from earmark.uplift.metalearners import META_LEARNERS, fit_uplift, score_learners, score_rows

pytestmark = pytest.mark.unit


def test_uplift_fits_are_bitwise_the_same_in_workers():
    frame, effect = confounded_frame(n=4000)
    fits = {
        jobs: fit_uplift(
            frame,
            outcome="converted",
            outcome_type="binary",
            covariates=["activity", "noise"],
            keys=frame["customer_id"].to_numpy(),
            n_jobs=jobs,
        )
        for jobs in (1, 2)
    }
    local, workers = fits[1], fits[2]
    for arm in local.nuisances.mu:
        np.testing.assert_array_equal(local.nuisances.mu[arm], workers.nuisances.mu[arm])
        np.testing.assert_array_equal(local.nuisances.propensity[arm], workers.nuisances.propensity[arm])
    for name, effects in local.effects.items():
        np.testing.assert_array_equal(effects["nudge"], workers.effects[name]["nudge"])
    # the same fold models, stored in the same order
    assert list(local.final_models) == list(workers.final_models)
    assert list(local.nuisances.outcome_models) == list(workers.nuisances.outcome_models)
    X = local.nuisances.X
    for key, model in local.final_models.items():
        np.testing.assert_array_equal(model.predict(X), workers.final_models[key].predict(X))
    # today's customers: half scored by their own fold, half unseen (every fold), the same in workers
    own = np.where(np.arange(len(frame)) % 2 == 0, local.nuisances.folds, -1)
    in_workers = score_learners(local, frame, META_LEARNERS, own_fold=own, n_jobs=2)
    for name in META_LEARNERS:
        in_process = score_rows(local, frame, name, own_fold=own, n_jobs=1)["nudge"]
        np.testing.assert_array_equal(in_process, in_workers[name]["nudge"])
        assert np.isfinite(in_process).all()
    # and the fit is a real one: the DR learner ranks the two true effect groups apart
    dr = local.effects["dr_learner"]["nudge"]
    assert dr[effect > 0].mean() - dr[effect < 0].mean() > 0.1


def test_churn_folds_and_the_surrogate_are_bitwise_the_same_in_workers():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 4))
    y = rng.random(3000) < 1 / (1 + np.exp(-2 * X[:, 0]))
    groups = np.arange(3000) // 3
    local_scores, local_folds = out_of_fold_scores(X, y, groups, 5, 7, n_jobs=1)
    worker_scores, worker_folds = out_of_fold_scores(X, y, groups, 5, 7, n_jobs=2)
    np.testing.assert_array_equal(local_scores, worker_scores)
    np.testing.assert_array_equal(local_folds, worker_folds)
    target = 0.2 * X[:, 0] + 0.05 * X[:, 1]
    local_model, local_r2 = fit_surrogate(X, target, groups, 5, 7, n_jobs=1)
    worker_model, worker_r2 = fit_surrogate(X, target, groups, 5, 7, n_jobs=2)
    assert local_r2 == worker_r2 > 0.9
    np.testing.assert_array_equal(local_model.predict(X), worker_model.predict(X))


def test_the_worker_count(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "3")
    assert parallel.available_jobs() == 3
    assert parallel.jobs_for(parallel.MIN_PARALLEL_ROWS) == 3
    assert parallel.jobs_for(parallel.MIN_PARALLEL_ROWS - 1) == 1
    assert parallel.jobs_for(10, n_jobs=2) == 2
    for bad in ("0", "two"):
        monkeypatch.setenv(parallel.JOBS_VARIABLE, bad)
        with pytest.raises(ValueError, match="EARMARK_JOBS"):
            parallel.available_jobs()
    monkeypatch.delenv(parallel.JOBS_VARIABLE)
    assert parallel.available_jobs() >= 1
    # one task, or one job, never starts a worker: the function runs here
    assert parallel.run_tasks([(abs, (-2,))], n_jobs=4) == [2]
    assert parallel.run_tasks([(abs, (-2,)), (abs, (3,))], n_jobs=1) == [2, 3]


def test_the_k_scan_and_the_stability_bootstrap_are_the_same_in_workers(monkeypatch: pytest.MonkeyPatch):
    from earmark.segmentation.kselect import scan_k
    from earmark.segmentation.stability import bootstrap_stability

    rng = np.random.default_rng(5)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    X = np.vstack([center + rng.normal(size=(300, 2)) for center in centers])
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ROWS", 0)
    results = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv(parallel.JOBS_VARIABLE, jobs)
        scan = scan_k(X, range(2, 6), random_state=3, n_init=2)
        labels = np.repeat(np.arange(3), 300)
        results[jobs] = (scan, bootstrap_stability(X, labels, 3, n_resamples=6, random_state=3, n_init=2))
    (scan_1, stable_1), (scan_2, stable_2) = results["1"], results["2"]
    pd.testing.assert_frame_equal(scan_1, scan_2, check_exact=True)
    pd.testing.assert_frame_equal(stable_1.per_resample, stable_2.per_resample, check_exact=True)
    # three well separated blobs: the scan's best silhouette is at k = 3, and every resample finds them
    assert scan_1.loc[scan_1["silhouette"].idxmax(), "k"] == 3
    assert stable_1.mean_ari > 0.95
