"""Causal uplift: the T-learner finds who the treatment moves, every score is out of sample, the
probabilities are calibrated, the intervals cover known effects, and IPW repairs a biased assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from earmark.bench.uplift import run_benchmark
from earmark.uplift import (
    apply_design,
    assign_folds,
    auuc,
    average_treatment_effect,
    best_arm_net_of_cost,
    bootstrap,
    covariate_balance,
    design_matrix,
    design_spec,
    evaluate_uplift,
    fit_t_learner,
    ipw_weights,
    make_learner,
    propensity_auc,
    qini_coefficient,
    qini_curve,
    score_new,
    treated_mask,
    treatment_propensity,
    uplift_at,
    uplift_by_decile,
)
from earmark.uplift.learners import fit_outcome_model, holdout_split, predict_outcome
from earmark.uplift.metalearners import fit_nuisances, outcome_ignoring_treatment
from earmark.uplift.tlearner import TLearnerResult

pytestmark = pytest.mark.unit

COVARIATES = [f"x{i}" for i in range(1, 6)]
PERSUADABLE, SLEEPING_DOG, SURE_THING, LOST_CAUSE = 0, 1, 2, 3
CONTROL_P = np.array([0.30, 0.40, 0.80, 0.02])
EFFECT = np.array([0.20, -0.15, 0.0, 0.0])


def four_groups(n: int = 20_000, seed: int = 7) -> pd.DataFrame:
    """Randomised 50/50 campaign; the group (persuadable, sleeping dog, sure thing, lost cause) follows
    the signs of x1 and x2, so it is learnable; x3..x5 are noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=COVARIATES)
    group = np.where(frame.x1 > 0, np.where(frame.x2 > 0, PERSUADABLE, SLEEPING_DOG), 0)
    group = np.where(frame.x1 <= 0, np.where(frame.x2 > 0, SURE_THING, LOST_CAUSE), group)
    treated = rng.random(n) < 0.5
    p = CONTROL_P[group] + treated * EFFECT[group]
    frame["arm"] = np.where(treated, "treatment", "control")
    frame["converted"] = rng.random(n) < p
    frame["group"] = group
    frame["true_uplift"] = EFFECT[group]
    return frame


@pytest.fixture(scope="module")
def campaign() -> pd.DataFrame:
    return four_groups()


@pytest.fixture(scope="module")
def fitted(campaign: pd.DataFrame) -> TLearnerResult:
    return fit_t_learner(campaign, outcome="converted", outcome_type="binary", covariates=COVARIATES)


# --- design ---------------------------------------------------------------------------------------


def test_design_matrix_encodes_numbers_booleans_and_text() -> None:
    frame = pd.DataFrame(
        {
            "amount": [1.5, None, 3.0, np.inf],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": [True, False, True, False],
            "channel": ["web", "email", None, "web"],
        }
    )
    X, names = design_matrix(frame, ["amount", "count", "flag", "channel"])
    assert names == ["amount", "count", "flag", "channel=email", "channel=web", "channel=__other__"]
    assert X.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(X[:, 0]), [False, True, False, True])  # inf becomes NaN
    assert np.isnan(X[1, 1]) and X[0, 2] == 1.0 and X[1, 2] == 0.0
    np.testing.assert_array_equal(X[:, 3:], [[0, 1, 0], [1, 0, 0], [0, 0, 0], [0, 1, 0]])
    # Scoring frames reuse the training encoding: an unseen value goes to __other__.
    spec = design_spec(frame, ["channel"])
    X_new, _ = apply_design(pd.DataFrame({"channel": ["sms", "web"]}), spec)
    np.testing.assert_array_equal(X_new, [[0, 0, 1], [0, 1, 0]])


def test_design_matrix_keeps_the_twenty_most_frequent_categories_sorted() -> None:
    values = [f"c{i:02d}" for i in range(25) for _ in range(25 - i)]  # c00 most frequent
    _, names = design_matrix(pd.DataFrame({"city": values}), ["city"])
    assert names == [f"city=c{i:02d}" for i in range(20)] + ["city=__other__"]


def test_make_learner_names() -> None:
    for name in ("hist_gradient_boosting", "logistic", "linear", "random_forest"):
        for outcome_type in ("binary", "continuous"):
            assert make_learner(name, outcome_type, 0) is not None
    with pytest.raises(ValueError):
        make_learner("xgboost", "binary", 0)


def test_folds_are_stratified_and_balanced() -> None:
    strata = np.repeat(["a", "b", "c"], [101, 57, 9])
    folds = assign_folds(strata, 5, 3)
    assert np.bincount(folds).max() - np.bincount(folds).min() <= 1
    for value in ("a", "b", "c"):
        per = np.bincount(folds[strata == value], minlength=5)
        assert per.max() - per.min() <= 1
    np.testing.assert_array_equal(folds, assign_folds(strata, 5, 3))


# --- the T-learner on four known groups -------------------------------------------------------------


@pytest.mark.integration
def test_scores_have_the_documented_columns(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    assert list(fitted.scores.columns) == [
        "fold",
        "mu_control",
        "mu_treatment",
        "uplift_treatment",
        "best_arm",
        "best_uplift",
    ]
    assert fitted.scores.index.equals(campaign.index)
    assert fitted.scores.notna().all().all()
    assert set(fitted.scores["best_arm"]) <= {"control", "treatment"}
    assert (fitted.fits["calibration"] == "isotonic").all()


@pytest.mark.integration
def test_every_score_comes_from_a_model_that_did_not_see_the_row(
    fitted: TLearnerResult, campaign: pd.DataFrame
) -> None:
    folds = fitted.scores["fold"].to_numpy()
    arms = campaign["arm"].to_numpy()
    X, _ = apply_design(campaign, fitted.spec)
    assert len(fitted.models) == fitted.n_folds * 2
    for (f, arm), rows in fitted.train_index.items():
        assert len(rows) > 0
        assert (folds[rows] != f).all(), "a model trained on rows of the fold it scores"
        assert (arms[rows] == arm).all()
        # The stored model of (f, arm) is the one that produced mu_<arm> for fold f.
        scored = np.flatnonzero(folds == f)
        with threadpool_limits(limits=1):  # as the fit ran; many threads on busy cores is slow
            predicted = fitted.models[(f, arm)].predict_proba(X[scored])[:, 1]
        np.testing.assert_array_equal(predicted, fitted.scores[f"mu_{arm}"].to_numpy()[scored])


@pytest.mark.integration
def test_persuadables_rank_above_sleeping_dogs(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    uplift = fitted.scores["uplift_treatment"]
    by_group = uplift.groupby(campaign["group"]).mean()
    assert by_group[PERSUADABLE] > 0 > by_group[SLEEPING_DOG]
    pair = campaign["group"].isin([PERSUADABLE, SLEEPING_DOG])
    auc = roc_auc_score(campaign.loc[pair, "group"] == PERSUADABLE, uplift[pair])
    assert auc > 0.8


@pytest.mark.integration
def test_control_probabilities_are_calibrated(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    for arm in ("control", "treatment"):
        rows = campaign["arm"] == arm
        predicted = fitted.scores.loc[rows, f"mu_{arm}"].mean()
        observed = campaign.loc[rows, "converted"].mean()
        assert abs(predicted - observed) < 0.02


def test_holdout_split_is_a_stratified_fifth() -> None:
    y = (np.arange(10_000) % 10 == 0).astype("int64")  # 10% positives
    fit_rows, calibration_rows = holdout_split(y, random_state=3)
    assert len(calibration_rows) == 2_000 and len(fit_rows) == 8_000
    assert y[calibration_rows].sum() == 200  # the outcome share is kept exactly
    assert np.intersect1d(fit_rows, calibration_rows).size == 0
    np.testing.assert_array_equal(holdout_split(y, random_state=3)[1], calibration_rows)


@pytest.mark.integration
def test_large_training_sets_calibrate_on_a_held_out_fifth(campaign: pd.DataFrame) -> None:
    control = campaign[campaign["arm"] == "control"]
    X, y = control[COVARIATES].to_numpy(), control["converted"].to_numpy().astype("int64")
    holdout, how = fit_outcome_model(
        X,
        y,
        learner="hist_gradient_boosting",
        outcome_type="binary",
        calibrate=True,
        random_state=1,
        holdout_from=5_000,
    )
    crossfit, how_crossfit = fit_outcome_model(
        X,
        y,
        learner="hist_gradient_boosting",
        outcome_type="binary",
        calibrate=True,
        random_state=1,
        holdout_from=None,
    )
    assert (how, how_crossfit) == ("isotonic (holdout)", "isotonic")
    # on fresh rows, within each fifth of the predictions the mean prediction is the observed rate
    fresh = four_groups(n=40_000, seed=99)
    fresh_control = fresh[fresh["arm"] == "control"]
    observed = fresh_control["converted"].to_numpy(dtype="float64")
    for model in (holdout, crossfit):
        p = predict_outcome(model, fresh_control[COVARIATES].to_numpy(), "binary")
        for fifth in np.array_split(np.argsort(p, kind="stable"), 5):
            assert abs(p[fifth].mean() - observed[fifth].mean()) < 0.03
    p_holdout = predict_outcome(holdout, fresh[COVARIATES].to_numpy(), "binary")
    p_crossfit = predict_outcome(crossfit, fresh[COVARIATES].to_numpy(), "binary")
    assert np.corrcoef(p_holdout, p_crossfit)[0, 1] > 0.95


def test_ate_interval_covers_the_true_effect(campaign: pd.DataFrame) -> None:
    treated = treated_mask(campaign)
    estimate, low, high = average_treatment_effect(treated, campaign["converted"], n_boot=500)
    true_ate = float(np.mean(EFFECT))  # four equally likely groups
    assert low <= estimate <= high
    assert low <= true_ate <= high


@pytest.mark.integration
def test_qini_of_the_true_ranking_beats_a_random_one(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    treated = treated_mask(campaign)
    y = campaign["converted"]
    random_ranking = np.random.default_rng(0).random(len(campaign))
    true_q = qini_coefficient(campaign["true_uplift"], treated, y)
    random_q = qini_coefficient(random_ranking, treated, y)
    model_q = qini_coefficient(fitted.scores["uplift_treatment"], treated, y)
    assert true_q > random_q
    assert model_q > random_q
    assert auuc(campaign["true_uplift"], treated, y) > auuc(random_ranking, treated, y)
    # A constant prediction is exactly the random line.
    assert qini_coefficient(np.zeros(len(campaign)), treated, y) == pytest.approx(0.0, abs=1e-12)
    curve = qini_curve(campaign["true_uplift"], treated, y)
    assert len(curve) == 101
    assert curve["incremental_gain"].iloc[0] == 0.0
    assert curve["incremental_gain"].iloc[-1] == pytest.approx(curve["random_gain"].iloc[-1])


@pytest.mark.integration
def test_top_fractions_and_deciles(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    treated = treated_mask(campaign)
    y = campaign["converted"]
    uplift = fitted.scores["uplift_treatment"]
    top = uplift_at(uplift, treated, y)
    assert list(top["fraction"]) == [0.1, 0.2, 0.3]
    assert list(top["n_targeted"]) == [2000, 4000, 6000]
    assert (top["uplift"] > 0.1).all()  # the top is persuadables
    deciles = uplift_by_decile(uplift, treated, y)
    assert list(deciles["decile"]) == list(range(1, 11))
    assert deciles["n"].sum() == len(campaign)
    assert (deciles["n_treated"] + deciles["n_control"] == deciles["n"]).all()
    assert deciles["mean_predicted_uplift"].is_monotonic_decreasing
    assert deciles["observed_uplift"].iloc[0] > 0 > deciles["observed_uplift"].iloc[-1]


@pytest.mark.integration
def test_evaluate_uplift_returns_intervals(fitted: TLearnerResult, campaign: pd.DataFrame) -> None:
    treated = treated_mask(campaign)
    args = (fitted.scores["uplift_treatment"], treated, campaign["converted"])
    result = evaluate_uplift(*args, n_boot=100)
    summary = result["summary"]
    assert list(summary["metric"]) == [
        "qini_coefficient",
        "auuc",
        "uplift_at_10",
        "uplift_at_20",
        "uplift_at_30",
        "ate",
    ]
    assert (summary["ci_low"] <= summary["value"]).all() and (summary["value"] <= summary["ci_high"]).all()
    assert summary.set_index("metric").loc["qini_coefficient", "ci_low"] > 0
    assert list(result["curve"].columns) == [
        "fraction_targeted",
        "n_targeted",
        "incremental_gain",
        "random_gain",
        "ci_low",
        "ci_high",
    ]
    assert len(result["deciles"]) == 10 and {"ci_low", "ci_high"} <= set(result["deciles"].columns)
    pd.testing.assert_frame_equal(
        result["deciles"].drop(columns=["ci_low", "ci_high"]), uplift_by_decile(*args)
    )
    again = evaluate_uplift(*args, n_boot=100)
    for key in result:
        pd.testing.assert_frame_equal(result[key], again[key])


def test_stratified_bootstrap_keeps_group_sizes() -> None:
    strata = np.repeat([True, False], [30, 70])
    replicates = bootstrap(lambda c: [c[strata].sum(), c[~strata].sum()], n_boot=5, strata=strata)
    assert replicates.shape == (5, 2)
    assert (replicates == [30, 70]).all()


@pytest.mark.integration
def test_fits_are_deterministic() -> None:
    frame = four_groups(2400, seed=11)
    kwargs = {"outcome": "converted", "outcome_type": "binary", "covariates": COVARIATES, "n_folds": 3}
    first = fit_t_learner(frame, **kwargs)
    second = fit_t_learner(frame, **kwargs)
    pd.testing.assert_frame_equal(first.scores, second.scores)
    assert (first.fits["calibration"] == "sigmoid").all()  # under 1,000 training rows per arm
    pd.testing.assert_frame_equal(score_new(first, frame.head(50)), score_new(second, frame.head(50)))


@pytest.mark.integration
def test_score_new_averages_the_fold_models(fitted: TLearnerResult) -> None:
    fresh = four_groups(3000, seed=99)
    scores = score_new(fitted, fresh[COVARIATES])
    assert list(scores.columns) == [
        "mu_control",
        "mu_treatment",
        "uplift_treatment",
        "best_arm",
        "best_uplift",
    ]
    assert scores.index.equals(fresh.index)
    by_group = scores["uplift_treatment"].groupby(fresh["group"]).mean()
    assert by_group[PERSUADABLE] > 0.1 and by_group[SLEEPING_DOG] < -0.05
    assert (scores.loc[fresh["group"] == PERSUADABLE, "best_arm"] == "treatment").mean() > 0.8


def test_best_arm_net_of_cost() -> None:
    scores = pd.DataFrame(
        {"uplift_email": [0.10, 0.02, -0.1], "uplift_call": [0.30, 0.05, 0.01]}, index=[10, 11, 12]
    )
    out = best_arm_net_of_cost(scores, value_per_outcome=100.0, cost_per_arm={"email": 1.0, "call": 20.0})
    # row 10: email 9, call 10 -> call; row 11: email 1, call -15 -> email; row 12: nothing positive.
    assert list(out["best_arm_net"]) == ["call", "email", "control"]
    np.testing.assert_allclose(out["best_net_value"], [10.0, 1.0, 0.0])
    assert out.index.equals(scores.index)
    with pytest.raises(KeyError):
        best_arm_net_of_cost(scores, 100.0, {"email": 1.0})


@pytest.mark.integration
def test_multi_arm_picks_the_arm_that_works() -> None:
    rng = np.random.default_rng(5)
    n = 12_000
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=COVARIATES)
    arm = rng.choice(["control", "email", "call"], size=n)
    base = 0.2 + 0.1 * (frame.x3 > 0)
    effect_email = np.where(frame.x1 > 0, 0.15, 0.0)
    effect_call = np.where(frame.x1 <= 0, 0.15, 0.0)
    p = base + (arm == "email") * effect_email + (arm == "call") * effect_call
    frame["arm"] = arm
    frame["converted"] = rng.random(n) < p
    result = fit_t_learner(frame, outcome="converted", outcome_type="binary", covariates=COVARIATES)
    assert result.treatment_arms == ["call", "email"]
    assert {"uplift_call", "uplift_email", "mu_call", "mu_email", "mu_control"} <= set(result.scores.columns)
    right = np.where(frame.x1 > 0, "email", "call")
    assert (result.scores["best_arm"].to_numpy() == right).mean() > 0.75


@pytest.mark.integration
def test_continuous_outcome() -> None:
    rng = np.random.default_rng(3)
    n = 8000
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=COVARIATES)
    treated = rng.random(n) < 0.5
    tau = 3.0 * (frame.x2 > 0)
    frame["arm"] = np.where(treated, "treatment", "control")
    frame["revenue"] = 10 + 2 * frame.x1 + treated * tau + rng.normal(0, 2, n)
    frame.loc[frame.index[:50], "revenue"] = np.nan  # unmeasured: scored, never trained on
    result = fit_t_learner(frame, outcome="revenue", outcome_type="continuous", covariates=COVARIATES)
    assert (result.fits["calibration"] == "not applicable").all()
    uplift = result.scores["uplift_treatment"]
    assert uplift.notna().all()
    assert np.corrcoef(uplift, tau)[0, 1] > 0.7
    assert abs(uplift.mean() - tau.mean()) < 0.3
    assert all(not np.isin(np.arange(50), rows).any() for rows in result.train_index.values())


@pytest.mark.integration
def test_ipw_repairs_a_biased_assignment() -> None:
    rng = np.random.default_rng(21)
    n = 20_000
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=COVARIATES)
    baseline = 0.1 + 0.6 / (1 + np.exp(-1.5 * frame.x3))  # x3 drives the baseline outcome ...
    treated = (rng.random(n) < 1 / (1 + np.exp(-1.2 * frame.x3))).to_numpy()  # ... and who got treated
    true_ate = 0.05
    frame["arm"] = np.where(treated, "treatment", "control")
    frame["converted"] = rng.random(n) < baseline + true_ate * treated
    y = frame["converted"]

    naive, naive_low, _ = average_treatment_effect(treated, y, n_boot=300)
    assert naive_low > true_ate + 0.03, "the naive difference in means should be biased upwards"

    e = treatment_propensity(frame, covariates=COVARIATES)
    assert e.between(0.01, 0.99).all() and e.index.equals(frame.index)
    assert propensity_auc(treated, e) > 0.7
    w = ipw_weights(treated, e.to_numpy())
    assert w[treated].sum() == pytest.approx(treated.sum())
    assert w[~treated].sum() == pytest.approx((~treated).sum())
    estimate, low, high = average_treatment_effect(treated, y, weights=w, n_boot=300)
    assert low <= true_ate <= high
    assert abs(estimate - true_ate) < abs(naive - true_ate) / 3

    balance = covariate_balance(frame, treated, COVARIATES, weights=w).set_index("feature")
    assert abs(balance.loc["x3", "smd"]) > 0.3
    assert abs(balance.loc["x3", "weighted_smd"]) < 0.1


@pytest.mark.integration
def test_conversion_propensity_comes_from_the_nuisances(campaign: pd.DataFrame) -> None:
    nu = fit_nuisances(
        campaign,
        outcome="converted",
        outcome_type="binary",
        covariates=COVARIATES,
        keys=campaign.index.astype(str).to_numpy(),
        n_folds=3,
    )
    p = outcome_ignoring_treatment(nu)
    assert p.shape == (len(campaign),) and ((p > 0) & (p < 1)).all()
    assert roc_auc_score(campaign["converted"], p) > 0.75
    assert abs(p.mean() - campaign["converted"].mean()) < 0.02
    # the mixture of the arms' outcome models by the propensities, row by row
    treated = nu.propensity[nu.treatment_arms[0]]
    control = nu.propensity[nu.control_arm]
    mixed = (treated * nu.mu[nu.treatment_arms[0]] + control * nu.mu[nu.control_arm]) / (treated + control)
    np.testing.assert_allclose(p, mixed)


def test_bad_inputs_are_refused(campaign: pd.DataFrame) -> None:
    kwargs = {"outcome": "converted", "outcome_type": "binary", "covariates": COVARIATES}
    with pytest.raises(ValueError, match="null"):
        fit_t_learner(campaign.assign(arm=campaign["arm"].where(campaign.index > 0)), **kwargs)
    with pytest.raises(ValueError, match="control"):
        fit_t_learner(campaign.assign(arm="treatment"), **kwargs)
    with pytest.raises(ValueError, match="0/1"):
        fit_t_learner(campaign.assign(converted=2.0), **kwargs)
    with pytest.raises(KeyError):
        fit_t_learner(campaign, outcome="converted", outcome_type="binary", covariates=["nope"])


@pytest.mark.integration
def test_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    table = run_benchmark(2000, n_folds=2, n_boot=10)
    assert list(table["step"]) == [
        "generate",
        "fit_t_learner",
        "score_new",
        "evaluate_uplift",
        "total (excl. generate)",
    ]
    assert "T-learner on 2,000 rows" in capsys.readouterr().out


def test_rows_with_an_unknown_outcome_are_left_out_of_the_evaluation(campaign: pd.DataFrame) -> None:
    treated = treated_mask(campaign)
    y = campaign["converted"].astype("float64").to_numpy()
    uplift = campaign["true_uplift"].to_numpy()
    with_nulls = np.r_[y, [np.nan, np.nan]]
    extended = (np.r_[uplift, [np.nan, 0.5]], np.r_[treated, [True, False]], with_nulls)
    assert qini_coefficient(*extended) == qini_coefficient(uplift, treated, y)
    assert average_treatment_effect(*extended[1:], n_boot=20) == average_treatment_effect(
        treated, y, n_boot=20
    )


def test_treatment_propensity_of_one_arm_against_control() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=COVARIATES)
    frame["arm"] = rng.choice(["control", "email", "call"], size=n)
    e = treatment_propensity(frame, covariates=COVARIATES, treated_arm="email")
    assert e[frame["arm"] == "call"].isna().all()
    assert e[frame["arm"] != "call"].between(0.4, 0.6).mean() > 0.9  # randomised: about 1/2
    anyarm = treatment_propensity(frame, covariates=COVARIATES)
    assert anyarm.between(0.55, 0.8).mean() > 0.9  # about 2/3


def test_single_arm_propensity_against_control_is_the_any_treatment_propensity(
    campaign: pd.DataFrame,
) -> None:
    # int_uplift_learner_scores reuses one model for both when a campaign has a single treatment arm
    anyarm = treatment_propensity(campaign, covariates=COVARIATES)
    one_arm = treatment_propensity(campaign, covariates=COVARIATES, treated_arm="treatment")
    pd.testing.assert_series_equal(anyarm, one_arm)


def test_treatment_propensity_trains_on_a_sample_above_max_train_rows(campaign: pd.DataFrame) -> None:
    full = treatment_propensity(campaign, covariates=COVARIATES)
    sampled = treatment_propensity(campaign, covariates=COVARIATES, max_train_rows=4_000)
    assert not np.array_equal(full.to_numpy(), sampled.to_numpy())  # the cap is applied...
    assert (full - sampled).abs().mean() < 0.02  # ...and a randomised assignment still reads about 1/2
    assert sampled.between(0.45, 0.55).mean() > 0.9


def test_decile_block_sums_add_as_bincount_does_bit_for_bit() -> None:
    from earmark.uplift.evaluation import _block_sums

    rng = np.random.default_rng(5)
    values = rng.normal(size=1_003) * 10.0 ** rng.integers(-8, 8, size=1_003)
    values[:3] = -0.0  # a block of negative zeros: bincount gives 0.0
    bounds = np.array([0, 3, 3, 400, 401, 1_003])  # an empty block and a one-row block
    blocks = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    expected = np.bincount(blocks, weights=values, minlength=len(bounds) - 1)
    got = _block_sums(values, bounds)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    # a plain sum of the same block differs in its last bits: the order of the additions is what matters
    assert np.sum(values[3:400]) != expected[2] or np.sum(values[401:]) != expected[4]


def test_unweighted_evaluation_equals_weights_of_one_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    n = 3_000
    uplift = np.round(rng.normal(size=n), 2)  # ties across rows
    treated = rng.random(n) < 0.4
    y = np.where(rng.random(n) < 0.5, 0.0, rng.normal(size=n))
    plain = evaluate_uplift(uplift, treated, y, None, n_boot=25, random_state=4)
    ones = evaluate_uplift(uplift, treated, y, np.ones(n), n_boot=25, random_state=4)
    for part in ("summary", "curve", "deciles"):
        pd.testing.assert_frame_equal(plain[part], ones[part], check_exact=True)
