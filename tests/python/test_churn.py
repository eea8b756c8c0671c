"""earmark.churn: out-of-fold scores, AUC, the gains table, SHAP drivers and the surrogate's fidelity, on
small synthetic data where the truth is known (churn driven by one column)."""

from __future__ import annotations

import numpy as np
import pytest

from earmark.churn import (
    auc,
    gains_table,
    group_drivers,
    make_classifier,
    not_estimable_reason,
    out_of_fold_scores,
    phrase,
    shap_values,
    surrogate_fidelity,
    top_drivers,
)

pytestmark = pytest.mark.unit

NAMES = ["active_days", "noise_a", "noise_b"]


def _world(n: int = 3000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Churn falls with active days only; two columns of noise; accounts of 5 users."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 30, n), rng.normal(size=n), rng.normal(size=n)]).astype(float)
    p = 1 / (1 + np.exp((X[:, 0] - 10) / 2))
    y = rng.random(n) < p
    return X, y, np.arange(n) // 5


def test_out_of_fold_auc_is_high_and_folds_keep_accounts_together():
    X, y, groups = _world()
    scores, folds = out_of_fold_scores(X, y, groups, n_folds=5, random_state=3)
    assert not np.isnan(scores).any() and set(folds) == set(range(5))
    assert all(len(set(folds[groups == g])) == 1 for g in np.unique(groups))
    # the truth's own AUC bounds what any model can reach
    truth = 1 / (1 + np.exp((X[:, 0] - 10) / 2))
    assert auc(scores, y) > 0.85 and auc(scores, y) > auc(truth, y) - 0.02
    again, _ = out_of_fold_scores(X, y, groups, n_folds=5, random_state=3)
    np.testing.assert_array_equal(scores, again)


def test_gains_table_adds_up_and_ranks_churners_first():
    X, y, groups = _world()
    scores, _ = out_of_fold_scores(X, y, groups, n_folds=5, random_state=3)
    table = gains_table(scores, y, np.arange(len(y)).astype(str))
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["customers"].sum() == len(y) and table["churners"].sum() == y.sum()
    assert table["cumulative_churner_share"].iloc[-1] == pytest.approx(1.0)
    assert table["cumulative_lift"].iloc[-1] == pytest.approx(1.0)
    assert table["lift"].iloc[0] > 1.5 > table["lift"].iloc[-1]
    assert table["min_score"].iloc[0] >= table["max_score"].iloc[1]
    assert gains_table(np.array([]), np.array([]), np.array([])).empty


def test_the_driving_column_is_every_high_risk_customers_top_driver():
    X, y, _ = _world()
    model = make_classifier(3).fit(X, y.astype(int))
    contributions = shap_values(model, X)
    assert contributions.shape == X.shape
    # additive: contributions sum to the log-odds less the average
    margin = model.decision_function(X)
    assert np.allclose(contributions.sum(axis=1) - margin, (contributions.sum(axis=1) - margin)[0])
    drivers = top_drivers(contributions, X, NAMES, np.median(X, axis=0), "churn risk")
    risky = model.predict_proba(X)[:, 1] > 0.8
    assert (drivers.loc[risky, "driver_1_feature"] == "active_days").all()
    assert drivers.loc[risky, "driver_1_contribution"].gt(0).all()
    assert drivers.loc[risky, "driver_1_phrase"].str.endswith("raises churn risk").all()
    assert list(drivers.columns[:4]) == [
        "driver_1_feature",
        "driver_1_value",
        "driver_1_contribution",
        "driver_1_phrase",
    ]


def _shap_of_the_whole_ensemble(model, X: np.ndarray) -> np.ndarray:
    import shap

    values = np.asarray(shap.TreeExplainer(model).shap_values(X), dtype="float64")
    return values[..., 1] if values.ndim == 3 else values


def test_shap_values_by_route_equal_shap_on_the_whole_ensemble():
    from sklearn.ensemble import HistGradientBoostingRegressor

    from earmark.churn import make_surrogate

    X, y, _ = _world()
    # missing values (routed by each split's default) and values sitting exactly on a split threshold
    X[::7, 1] = np.nan
    X[::11, 0] = np.nan
    classifier = make_classifier(3).fit(X, y.astype(int))
    threshold = next(
        node["num_threshold"]
        for node in classifier._predictors[0][0].nodes
        if not node["is_leaf"] and node["feature_idx"] == 2
    )
    X[::13, 2] = threshold
    surrogate = make_surrogate(3).fit(X, 0.1 - 0.01 * np.nan_to_num(X[:, 0]) + 0.02 * X[:, 2])
    # more than 20 splits a tree: route keys too many for a lookup table, sorted instead
    broad = HistGradientBoostingRegressor(max_leaf_nodes=40, min_samples_leaf=5, max_iter=5).fit(X, y)
    # more than 62 splits a tree: the route keys no longer fit one integer
    wide = HistGradientBoostingRegressor(max_leaf_nodes=120, min_samples_leaf=5, max_iter=5).fit(X, y)
    for model in (classifier, surrogate, broad, wide):
        np.testing.assert_allclose(
            shap_values(model, X), _shap_of_the_whole_ensemble(model, X), rtol=0, atol=1e-12
        )
    assert 41 < max(len(p[0].nodes) for p in broad._predictors) <= 79
    assert max(len(p[0].nodes) for p in wide._predictors) > 125
    # a constant target grows single-leaf trees: nothing moves any row away from the average
    assert not shap_values(make_surrogate(3).fit(X, np.full(len(X), 0.5)), X).any()


def test_surrogate_of_a_smooth_score_is_faithful_and_groups_get_their_drivers():
    X, _, groups = _world()
    target = 0.1 - 0.01 * X[:, 0]
    assert surrogate_fidelity(X, target, groups, 5, 3) > 0.95
    noise = np.random.default_rng(0).normal(size=len(target))
    assert surrogate_fidelity(X, noise, groups, 5, 3) < 0.2
    from earmark.churn import make_surrogate

    contributions = shap_values(make_surrogate(3).fit(X, target), X)
    table = group_drivers(contributions, X, groups, NAMES, np.median(X, axis=0), "the predicted uplift")
    assert len(table) == 3 * len(np.unique(groups))
    assert (table.loc[table["rank"] == 1, "feature"] == "active_days").all()


def test_phrases_and_reasons_in_plain_words():
    assert phrase("pre_active_days_30", 1.0, 9.0, 0.7, "churn risk") == (
        "few active days in the last 30 days (1; typical 9) raises churn risk"
    )
    assert (
        phrase("seat_count", 40.0, 9.0, -0.2, "churn risk")
        == "a high seat count (40; typical 9) lowers churn risk"
    )
    assert phrase("plan=pro", 1.0, 0.0, 0.1, "churn risk") == "plan is pro raises churn risk"
    assert (
        not_estimable_reason(np.array([], dtype=bool), np.array([]), 5)
        == "no campaign rows with a churn label"
    )
    assert "churners" in not_estimable_reason(np.array([True, False] * 2), np.arange(4), 5)
    assert not_estimable_reason(np.array([True, False] * 10), np.arange(20), 5) is None


def test_a_surrogate_fitted_on_a_sample_keeps_its_fidelity_and_the_groups_drivers():
    from earmark.churn import fit_surrogate, make_surrogate
    from earmark.uplift.learners import subsample

    X, _, groups = _world(n=20_000)
    # two columns drive the score, each the larger in some accounts
    target = 0.3 - 0.01 * X[:, 0] + 0.08 * X[:, 1]
    full, full_r2 = fit_surrogate(X, target, groups, 5, 3, max_train_rows=None)
    sampled, sampled_r2 = fit_surrogate(X, target, groups, 5, 3, max_train_rows=4_000)
    # the cap is what was fitted: the final model is the one trained on the seeded sample
    alone = make_surrogate(3).fit(
        X[subsample(np.arange(len(X)), 4_000, [3])], target[subsample(np.arange(len(X)), 4_000, [3])]
    )
    np.testing.assert_array_equal(sampled.predict(X), alone.predict(X))
    assert full_r2 > 0.95 and abs(sampled_r2 - full_r2) < 0.01
    top = [
        group_drivers(shap_values(model, X), X, groups, NAMES, np.median(X, axis=0), "u").query("rank == 1")
        for model in (full, sampled)
    ]
    assert len(set(top[0]["feature"])) == 2  # both driving columns lead somewhere
    assert (top[0]["feature"].to_numpy() == top[1]["feature"].to_numpy()).mean() >= 0.95
    # under the cap nothing is sampled: the default gives the full fit, bit for bit
    default, default_r2 = fit_surrogate(X, target, groups, 5, 3)
    assert default_r2 == full_r2
    np.testing.assert_array_equal(default.predict(X), full.predict(X))


def test_fold_models_trained_on_a_sample_rank_as_well_within_a_stated_tolerance():
    from earmark.uplift.learners import subsample

    X, y, groups = _world(n=20_000)
    full, folds = out_of_fold_scores(X, y, groups, n_folds=5, random_state=3, max_train_rows=None)
    sampled, same_folds = out_of_fold_scores(X, y, groups, n_folds=5, random_state=3, max_train_rows=4_000)
    np.testing.assert_array_equal(folds, same_folds)
    # a fifth of each fold's training rows loses less than 0.005 of AUC (a twentieth of them: 0.007)
    assert auc(sampled, y) > auc(full, y) - 0.005
    # fold 0's scores come from a model of the seeded sample of the other folds' rows
    train = subsample(np.flatnonzero(folds != 0), 4_000, [3, 0])
    alone = make_classifier(3).fit(X[train], y[train].astype(int)).predict_proba(X[folds == 0])[:, 1]
    np.testing.assert_array_equal(sampled[folds == 0], alone)
    # under the cap the default samples nothing
    np.testing.assert_array_equal(out_of_fold_scores(X, y, groups, n_folds=5, random_state=3)[0], full)
