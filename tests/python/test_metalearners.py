"""The cross-fitted T, X and DR learners and the doubly robust evidence built on them
(earmark.uplift.metalearners, earmark.uplift.policy_value), on synthetic frames with a known effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earmark.uplift.metalearners import fit_uplift, keyed_folds, score_rows
from earmark.uplift.policy_value import (
    bootstrap_total,
    choose_learner,
    compare_learners,
    dr_average_effect,
    effect_groups,
)

pytestmark = pytest.mark.unit


def confounded_frame(n: int = 8000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Assignment aimed at low-activity customers, whose baseline is low and whose effect is high: a
    naive comparison points the wrong way. Returns the frame and every row's true effect."""
    rng = np.random.default_rng(seed)
    activity = rng.uniform(0, 10, n)
    noise = rng.normal(size=n)
    propensity = 0.1 + 0.7 * (activity < 4)
    treated = rng.random(n) < propensity
    base = 0.1 + 0.06 * activity
    effect = np.where(activity < 4, 0.15, -0.05)
    p = np.clip(base + treated * effect, 0, 1)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "arm": np.where(treated, "nudge", "control"),
            "converted": (rng.random(n) < p).astype("int64"),
            "activity": activity,
            "noise": noise,
        }
    )
    return frame, effect


@pytest.fixture(scope="module")
def fitted():
    frame, effect = confounded_frame()
    fit = fit_uplift(
        frame,
        outcome="converted",
        outcome_type="binary",
        covariates=["activity", "noise"],
        keys=frame["customer_id"].to_numpy(),
        learner="logistic",
        calibrate=False,
    )
    return frame, effect, fit


def test_keyed_folds_ignore_row_order():
    keys = np.array([f"k{i}" for i in range(1000)])
    strata = np.where(np.arange(1000) % 3 == 0, "a", "b")
    folds = keyed_folds(keys, strata, 5, 42)
    order = np.random.default_rng(1).permutation(1000)
    shuffled = keyed_folds(keys[order], strata[order], 5, 42)
    assert (shuffled == folds[order]).all()
    for value in ("a", "b"):
        sizes = np.bincount(folds[strata == value], minlength=5)
        assert sizes.max() - sizes.min() <= 1


@pytest.mark.integration
def test_dr_average_effect_recovers_truth_where_the_naive_difference_fails(fitted):
    frame, effect, fit = fitted
    treated = frame["arm"] == "nudge"
    naive = frame.loc[treated, "converted"].mean() - frame.loc[~treated, "converted"].mean()
    estimate, low, high = dr_average_effect(fit.phi["nudge"])
    truth = effect.mean()
    assert naive < truth - 0.05  # confounding pulls the naive difference down
    assert low <= truth <= high
    assert abs(estimate - truth) < 0.02


@pytest.mark.integration
def test_t_learner_is_biased_and_dr_learner_is_not(fitted):
    """A linear (logistic) outcome model cannot follow the step in the effect, so the T-learner's mean
    effect is off (measured: +0.055 against a true +0.031); the DR-learner's pseudo-outcomes correct it
    (measured +0.026), within 0.01 of the truth."""
    _, effect, fit = fitted
    truth = effect.mean()
    t_bias = fit.effects["t_learner"]["nudge"].mean() - truth
    dr_bias = fit.effects["dr_learner"]["nudge"].mean() - truth
    assert abs(t_bias) > 0.02
    assert abs(dr_bias) < 0.01
    assert abs(dr_bias) < abs(t_bias) / 2


@pytest.mark.integration
def test_scores_are_out_of_fold_and_ranked_by_true_effect(fitted):
    _, effect, fit = fitted
    for name in ("x_learner", "dr_learner"):
        tau = fit.effects[name]["nudge"]
        assert not np.isnan(tau).any()
        # the learners separate the helped (+0.15) from the hurt (-0.05)
        assert tau[effect > 0].mean() - tau[effect < 0].mean() > 0.1
    assert fit.nuisances.propensity["nudge"].min() >= 0.01
    assert fit.nuisances.propensity["nudge"].max() <= 0.99


@pytest.mark.integration
def test_score_rows_scores_new_customers(fitted):
    _frame, _, fit = fitted
    new = pd.DataFrame({"activity": [1.0, 9.0], "noise": [0.0, 0.0]})
    for name in ("t_learner", "x_learner", "dr_learner"):
        tau = score_rows(fit, new, name)["nudge"]
        assert tau[0] > tau[1]


@pytest.mark.integration
def test_grouped_folds_keep_a_group_together():
    frame, _effect = confounded_frame(n=2000, seed=5)
    groups = (np.arange(len(frame)) // 4).astype(str)  # four users per account
    fit = fit_uplift(
        frame,
        outcome="converted",
        outcome_type="binary",
        covariates=["activity", "noise"],
        keys=frame["customer_id"].to_numpy(),
        learners=("t_learner",),
        n_folds=5,
        calibrate=False,
        groups=groups,
    )
    folds = pd.Series(fit.nuisances.folds).groupby(groups).nunique()
    assert (folds == 1).all()
    # every fold holds some groups, and no fold holds more than a third of them
    counts = pd.Series(fit.nuisances.folds).groupby(groups).first().value_counts()
    assert len(counts) == 5 and counts.max() < len(folds) / 3


@pytest.mark.integration
def test_score_rows_keeps_a_trained_customer_out_of_sample(fitted):
    """A customer the fit trained on, scored with its own fold, gets exactly its out-of-fold effect: the
    models that score it never saw its outcome. Without its fold it gets the mean of every fold's models."""
    frame, _, fit = fitted
    rows = np.arange(0, len(frame), 97)
    for name in ("t_learner", "x_learner", "dr_learner"):
        own = score_rows(fit, frame.iloc[rows], name, own_fold=fit.nuisances.folds[rows])["nudge"]
        np.testing.assert_allclose(own, fit.effects[name]["nudge"][rows], rtol=1e-9, atol=1e-12)
        pooled = score_rows(fit, frame.iloc[rows], name)["nudge"]
        assert not np.allclose(pooled, own)
        # rows with and without a fold in one call: each gets what it gets alone
        mixed_folds = np.where(np.arange(len(rows)) % 2 == 0, fit.nuisances.folds[rows], -1)
        mixed = score_rows(fit, frame.iloc[rows], name, own_fold=mixed_folds)["nudge"]
        np.testing.assert_array_equal(mixed, np.where(mixed_folds >= 0, own, pooled))


@pytest.mark.integration
def test_learner_comparison_and_effect_groups(fitted):
    frame, _effect, fit = fitted
    clusters = frame["customer_id"].str[:4].to_numpy()
    table = compare_learners(fit.effects, fit.phi, clusters, 50.0, {"nudge": 1.0}, n_boot=50)
    assert set(table["learner"]) == {"t_learner", "x_learner", "dr_learner"}
    assert table["is_chosen"].sum() == 1
    assert (table.loc[table["learner"] == "t_learner", "gain_over_baseline"] == 0).all()
    dr = table[table["learner"] == "dr_learner"].iloc[0]
    assert dr["is_consistent"]
    groups, edges = effect_groups(fit.effects["dr_learner"]["nudge"], fit.phi["nudge"])
    assert len(groups) == 10 and len(edges) == 9
    # the lowest group is where the treatment hurts, the highest where it surely helps
    assert groups.iloc[0]["dr_effect"] < 0 < groups.iloc[-1]["ci_low"]
    # the harm bound is the one-sided 95% upper bound: inside the two-sided 95% interval, above its mean
    assert (groups["dr_effect"] < groups["harm_bound"]).all()
    assert (groups["harm_bound"] < groups["ci_high"]).all()
    # the benefit bound mirrors it: the one-sided 95% lower bound
    assert (groups["ci_low"] < groups["benefit_bound"]).all()
    assert (groups["benefit_bound"] < groups["dr_effect"]).all()
    below, above = groups["dr_effect"] - groups["benefit_bound"], groups["harm_bound"] - groups["dr_effect"]
    assert np.allclose(below, above)
    assert groups.iloc[0]["mean_predicted_effect"] < groups.iloc[-1]["mean_predicted_effect"]


def test_choose_learner_keeps_the_baseline_on_a_tie():
    assert choose_learner({"t_learner": 5.0, "dr_learner": 5.0}) == "t_learner"
    assert choose_learner({"t_learner": 5.0, "dr_learner": 6.0}) == "dr_learner"


def test_bootstrap_total_sums_by_cluster():
    total, low, high = bootstrap_total(np.array([1.0, 2.0, 3.0, 4.0]), np.array(["a", "a", "b", "b"]), 200, 0)
    assert total == pytest.approx(10.0)
    assert 6.0 <= low <= total <= high <= 14.0
