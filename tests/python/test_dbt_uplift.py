"""What the uplift dbt models compute from their frames (earmark.dbt.uplift): stable assignment keys,
the learner selection and effect groups, the doubly robust policy values, and the outcome checks, on a
synthetic confounded campaign with a known effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_metalearners import confounded_frame

from earmark.dbt.uplift import (
    assignment_keys,
    check_outcome,
    learner_selection,
    not_estimable_reason,
    policy_values,
    scores_by_assignment,
)
from earmark.dbt.uplift_scores import FIT_PARAMETERS, LEARNER_SCORE_COLUMNS, campaign_fits, learner_scores
from earmark.dbt.uplift_validation import SCORE_COLUMNS, VALIDATION_COLUMNS, validation_rows
from earmark.uplift.metalearners import META_LEARNERS, fit_uplift

pytestmark = pytest.mark.unit

PARAMS = {
    "value_per_conversion": 50.0,
    "cost_per_automated_customer": 1.0,
    "uplift_bootstrap": 100,
    "uplift_seed": 42,
    "uplift_meta_learner": "auto",
    "cost_per_human_account": 40.0,
    "human_outreach_arm": "human_outreach",
}


def scores_frame(frame: pd.DataFrame, fit) -> pd.DataFrame:
    """The columns of int_uplift_learner_scores the glue reads, built from a fit (control and nudge rows)."""
    nu = fit.nuisances
    frames = []
    for arm in nu.arms_order:
        control = arm == nu.control_arm
        part = pd.DataFrame(
            {
                "treatment_row_number": np.arange(len(frame)),
                "campaign_id": "c1",
                "customer_id": frame["customer_id"],
                "scored_arm": arm,
                "is_control_arm": control,
                "pseudo_outcome": np.nan if control else fit.phi[arm],
            }
        )
        for name in META_LEARNERS:
            part[f"uplift_{name}"] = np.nan if control else fit.effects[name][arm]
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def campaign():
    frame, effect = confounded_frame(n=6000, seed=3)
    frame["account"] = "A" + (np.arange(len(frame)) // 3).astype(str)  # three users per account
    fit = fit_uplift(
        frame,
        outcome="converted",
        outcome_type="binary",
        covariates=["activity", "noise"],
        keys=frame["customer_id"].to_numpy(),
        learner="logistic",
        calibrate=False,
    )
    scores = scores_frame(frame, fit)
    account_of = frame.set_index("customer_id")["account"]
    return frame, effect, scores, account_of


def test_assignment_keys_are_unique_and_order_free():
    rows = pd.DataFrame(
        {
            "treatment_row_number": [0, 1, 2],
            "campaign_id": ["c1", "c1", "c2"],
            "customer_id": ["C1", None, "C1"],
            "treated_at": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01"]),
            "arm": ["nudge", "control", "nudge"],
        }
    )
    keys = assignment_keys(rows)
    assert keys.tolist() == [
        "c1|C1|2025-01-01T00:00:00|nudge",
        "c1|row:1|2025-01-01T00:00:00|control",
        "c2|C1|2025-02-01T00:00:00|nudge",
    ]
    assert assignment_keys(rows.iloc[[2, 0, 1]]).tolist() == [keys[2], keys[0], keys[1]]


@pytest.mark.integration
def test_learner_selection_reports_every_learner_and_one_choice(campaign):
    _frame, effect, scores, account_of = campaign
    table = learner_selection(scores, account_of, PARAMS)
    learners = table[table["section"] == "learner"]
    assert sorted(learners["learner"]) == sorted(META_LEARNERS)
    assert learners["is_chosen"].sum() == 1
    # every learner is judged against the same DR average effect, which holds the truth
    assert learners["dr_average_effect"].nunique() == 1
    low, high = learners["dr_ci_low"].iloc[0], learners["dr_ci_high"].iloc[0]
    assert low <= effect.mean() <= high
    # the T-learner is the baseline: its gain over itself is exactly zero
    baseline = learners.set_index("learner").loc["t_learner"]
    assert baseline["gain_over_baseline"] == 0.0
    chosen = learners.loc[learners["is_chosen"], "learner"].iloc[0]
    assert learners.set_index("learner").loc[chosen, "policy_net_value"] == learners["policy_net_value"].max()
    assert table["selection_row_id"].is_unique


@pytest.mark.integration
def test_effect_groups_cover_every_prediction_and_find_the_harm(campaign):
    frame, effect, scores, account_of = campaign
    groups = learner_selection(scores, account_of, PARAMS)
    groups = groups[(groups["section"] == "effect_group") & (groups["learner"] == "dr_learner")]
    assert groups["rows"].sum() == len(frame)
    assert groups["group_lower"].iloc[0] == -np.inf and groups["group_upper"].iloc[-1] == np.inf
    # the groups' 95% intervals hold the true mean effect of their rows (one miss in ten is what 95%
    # allows), and the group with the highest predictions is evidently helpful (true effects: +0.15 for
    # low activity, -0.05 otherwise)
    predicted = scores.loc[~scores["is_control_arm"], "uplift_dr_learner"].to_numpy()
    misses = 0
    for group in groups.itertuples():
        members = (predicted >= group.group_lower) & (predicted < group.group_upper)
        assert members.sum() == group.rows
        misses += not group.dr_ci_low <= effect[members].mean() <= group.dr_ci_high
    assert misses <= 1
    assert groups.iloc[-1]["dr_ci_low"] > 0


@pytest.mark.integration
def test_forced_meta_learner_is_the_chosen_one(campaign):
    _frame, _effect, scores, account_of = campaign
    table = learner_selection(scores, account_of, {**PARAMS, "uplift_meta_learner": "dr_learner"})
    chosen = table[(table["section"] == "learner") & table["is_chosen"]]
    assert chosen["learner"].tolist() == ["dr_learner"]
    with pytest.raises(ValueError, match="uplift_meta_learner"):
        learner_selection(scores, account_of, {**PARAMS, "uplift_meta_learner": "s_learner"})


@pytest.mark.integration
def test_policy_values_hold_the_true_value_of_each_policy(campaign):
    frame, effect, scores, account_of = campaign
    scores = scores.assign(best_arm_net_of_cost=np.where(scores["is_control_arm"], "control", "nudge"))
    users = pd.DataFrame({"customer_id": frame["customer_id"], "account_id": frame["account"]})
    # the true net value of nudging each account (50 per conversion, 1 per user)
    helped = frame.groupby("account").apply(
        lambda g: 50 * effect[g.index].sum() - len(g), include_groups=False
    )
    harmed = effect < 0

    def reached(policy: str, accounts, audience=None) -> pd.DataFrame:
        chosen = users[users["account_id"].isin(accounts)]
        if audience is not None:
            chosen = chosen[audience[chosen.index]]
        return chosen.assign(policy=policy, channel="automated")

    reach = pd.concat(
        [
            reached("blind", users["account_id"]),
            reached("helped", helped[helped > 0].index),
            reached("hurt", helped[helped < 0].index),
            # a nudge of every account that skips the users it hurts
            reached("blind_sparing_harmed", users["account_id"], ~harmed),
        ]
    )
    values = policy_values(reach, scores, account_of, PARAMS).set_index("policy")
    # the same sparing nudge, with the rows it reaches given out of fold (the model's audience)
    model_reach = reached("model_sparing_harmed", users["account_id"], ~harmed).assign(
        nudge_audience="model_audience"
    )
    audience = pd.DataFrame({"treatment_row_number": np.arange(len(frame)), "is_in_nudge_audience": ~harmed})
    by_audience = policy_values(model_reach, scores, account_of, PARAMS, audience).set_index("policy")
    pd.testing.assert_series_equal(
        by_audience.loc["model_sparing_harmed"].drop("policy", errors="ignore"),
        values.loc["blind_sparing_harmed"].drop("policy", errors="ignore"),
        check_names=False,
    )
    truth = {policy: 50 * effect[rows.index].sum() - len(rows) for policy, rows in reach.groupby("policy")}
    assert truth["blind_sparing_harmed"] > truth["blind"]
    for policy, true_net in truth.items():
        row = values.loc[policy]
        assert row["dr_net_ci_low"] <= true_net <= row["dr_net_ci_high"], policy
    assert values.loc["helped", "dr_net_value"] > values.loc["hurt", "dr_net_value"]
    assert values.loc["blind_sparing_harmed", "dr_net_value"] > values.loc["blind", "dr_net_value"]
    assert values.loc["blind", "accounts_evaluated"] == users["account_id"].nunique()


@pytest.mark.integration
def test_scores_by_assignment_pivots_arms_side_by_side(campaign):
    frame, _effect, scores, _account_of = campaign
    wide = scores_by_assignment(scores)
    assert len(wide) == len(frame)
    assert {"uplift_dr_learner:nudge", "pseudo_outcome:nudge"} <= set(wide.columns)
    shuffled = scores_by_assignment(scores.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(wide.reset_index(drop=True), shuffled.reset_index(drop=True))


def test_an_absent_or_empty_outcome_stops_the_build_with_its_name():
    rows = pd.DataFrame({"campaign_id": ["c1", "c1"], "is_converted": [None, None], "revenue": [1.0, 0.0]})
    with pytest.raises(ValueError, match=r"'is_converted' is null on every row of campaign c1"):
        check_outcome(rows, {"uplift_outcome": "is_converted"})
    with pytest.raises(ValueError, match=r"'visits' is not a column.*is_converted, revenue"):
        check_outcome(rows, {"uplift_outcome": "visits"})
    check_outcome(rows, {"uplift_outcome": "revenue"})  # a column with values passes


def test_too_small_a_campaign_is_not_estimable_with_its_reason():
    params = {"uplift_folds": 5, "uplift_outcome": "is_converted", "uplift_outcome_type": "binary"}
    one = pd.DataFrame({"campaign_id": ["c1"], "arm": ["nudge"], "is_converted": [True]})
    assert "needs a control arm" in not_estimable_reason(one, params)
    few = pd.DataFrame(
        {"campaign_id": "c1", "arm": ["nudge"] * 12 + ["control"] * 4, "is_converted": [True, False] * 8}
    )
    assert not_estimable_reason(few, params) == (
        "campaign c1: arms ['control'] have fewer than 10 rows with a known outcome (5 folds x 2)"
    )
    flat = pd.DataFrame({"campaign_id": "c1", "arm": ["nudge", "control"] * 10, "is_converted": False})
    assert not_estimable_reason(flat, params) == "campaign c1: the outcome takes a single value"
    enough = pd.DataFrame(
        {
            "campaign_id": "c1",
            "arm": ["nudge", "control"] * 10,
            "is_converted": [True, True, False, False] * 5,
        }
    )
    assert not_estimable_reason(enough, params) is None


def test_an_arm_whose_accounts_fall_in_one_fold_is_not_estimable():
    """A holdout that drew a single account leaves its control rows in one fold of the grouped
    cross-fitting: the models of that fold would have no control row to learn from."""
    params = {
        "uplift_folds": 5,
        "uplift_outcome": "is_converted",
        "uplift_outcome_type": "binary",
        "uplift_seed": 42,
    }
    rows = pd.DataFrame(
        {
            "campaign_id": "c1",
            "treatment_row_number": range(40),
            "arm": ["nudge"] * 20 + ["control"] * 20,
            "fold_group": [f"a{i}" for i in range(20)] + ["held_out"] * 20,
            "is_converted": [True, False] * 20,
        }
    )
    assert not_estimable_reason(rows, params) == (
        "campaign c1: arms ['control'] have known outcomes in a single cross-fitting fold (their accounts "
        "all fall in it)"
    )
    spread = rows.assign(fold_group=[f"a{i}" for i in range(20)] + [f"h{i % 10}" for i in range(20)])
    assert not_estimable_reason(spread, params) is None


def test_customers_without_accounts_are_their_own_clusters():
    from earmark.dbt.uplift import accounts_of

    customers = pd.Series(["C1", "C2", "C3"])
    assert accounts_of(customers, pd.Series(dtype="float64")).tolist() == ["solo:C1", "solo:C2", "solo:C3"]
    mapped = accounts_of(customers, pd.Series({"C1": "A", "C3": "B"}))
    assert mapped.tolist() == ["A", "solo:C2", "B"]


FIT_PARAMS = {
    "policy_campaign_id": None,
    "uplift_covariates": ["activity", "noise"],
    "uplift_outcome": "is_converted",
    "uplift_outcome_type": "binary",
    "uplift_learner": "logistic",
    "uplift_folds": 5,
    "uplift_calibrate": False,
    "uplift_propensity_clip": 0.01,
    "human_outreach_arm": "human_outreach",
    "uplift_seed": 42,
}


def training_frame(n: int = 4000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """The confounded campaign as int_campaign_training_set gives it: one row per assignment."""
    frame, effect = confounded_frame(n=n, seed=seed)
    frame = frame.rename(columns={"converted": "is_converted"})
    frame.insert(0, "treatment_row_number", np.arange(n))
    frame.insert(1, "campaign_id", "c1")
    frame["treated_at"] = pd.Timestamp("2025-03-01")
    return frame, effect


def test_learner_scores_out_of_fold_and_current_rows_hold_the_true_effects() -> None:
    training, effect = training_frame()
    assert list(FIT_PARAMS) == list(FIT_PARAMETERS)
    fits = campaign_fits(training, FIT_PARAMS)
    assert [campaign for campaign, _, _ in fits] == ["c1"]
    # today's customers: a fresh draw of the same covariates, ids apart from the campaign's
    scoring = training[["customer_id", "activity", "noise"]].iloc[:500].copy()
    scoring["customer_id"] = "N" + scoring["customer_id"]
    scores = learner_scores(fits, scoring)
    assert list(scores.columns) == list(LEARNER_SCORE_COLUMNS)
    assert scores["customer_arm_score_id"].is_unique
    out_of_fold = scores[scores["score_basis"] == "out_of_fold"]
    current = scores[scores["score_basis"] == "current"]
    assert len(out_of_fold) == 2 * len(training)  # control and nudge rows per assignment
    assert len(current) == len(scoring) and set(current["scored_arm"]) == {"nudge"}
    assert out_of_fold["fold"].between(0, 4).all() and current["fold"].isna().all()
    nudge = out_of_fold[out_of_fold["scored_arm"] == "nudge"].sort_values("treatment_row_number")
    # the DR learner tells the helped (+0.15) from the harmed (-0.05), out of fold
    helped = effect > 0
    dr = nudge["uplift_dr_learner"].to_numpy()
    assert dr[helped].mean() == pytest.approx(0.15, abs=0.05)
    assert dr[~helped].mean() == pytest.approx(-0.05, abs=0.05)
    assert (current["uplift_dr_learner"].to_numpy()[helped[:500]] > 0).mean() > 0.8


def test_learner_scores_do_not_depend_on_row_order() -> None:
    training, _ = training_frame(n=2000)
    shuffled = training.sample(frac=1.0, random_state=9).reset_index(drop=True)
    key = ["score_basis", "customer_arm_score_id"]
    one = learner_scores(campaign_fits(training, FIT_PARAMS), training.iloc[:0])
    two = learner_scores(campaign_fits(shuffled, FIT_PARAMS), training.iloc[:0])
    pd.testing.assert_frame_equal(
        one.sort_values(key).reset_index(drop=True), two.sort_values(key).reset_index(drop=True)
    )


def test_a_campaign_without_a_control_arm_gives_the_typed_empty_table() -> None:
    training, _ = training_frame(n=500)
    training["arm"] = "nudge"
    scores = learner_scores(campaign_fits(training, FIT_PARAMS), training.iloc[:0])
    assert scores.empty
    assert {c: str(t) for c, t in scores.dtypes.items()} == LEARNER_SCORE_COLUMNS


def test_validation_rows_reweighting_holds_the_true_average_effect() -> None:
    training, effect = training_frame()
    scores = learner_scores(campaign_fits(training, FIT_PARAMS), training.iloc[:0])
    # as int_customer_arm_uplift gives them: the chosen learner's uplift and the observed arm and outcome
    scores = scores.rename(columns={"uplift_dr_learner": "uplift"})[list(SCORE_COLUMNS)]
    table = validation_rows(scores, {"uplift_bootstrap": 50, "uplift_seed": 42})
    assert list(table.columns) == ["validation_row_id", *VALIDATION_COLUMNS]
    assert table["validation_row_id"].is_unique
    assert set(table["arm"]) == {"nudge"} and set(table["estimator"]) == {"randomised", "ipw"}
    assert (table["rows_evaluated"] == len(training)).all()
    ate = table[(table["metric"] == "ate") & (table["estimator"] == "ipw")].iloc[0]
    assert ate["ci_low"] <= effect.mean() <= ate["ci_high"]
    assert validation_rows(scores.iloc[:0], {"uplift_bootstrap": 50, "uplift_seed": 42}).empty


def test_a_call_campaign_too_small_to_fit_leaves_the_earlier_one_in_place():
    from earmark.dbt.uplift import human_campaign

    params = {
        "uplift_folds": 5,
        "uplift_outcome": "is_converted",
        "uplift_outcome_type": "binary",
        "uplift_seed": 42,
        "human_outreach_arm": "human_outreach",
        "policy_campaign_id": None,
    }

    def campaign(name: str, when: str, controls: int) -> pd.DataFrame:
        arms = ["human_outreach"] * 20 + ["control"] * controls
        return pd.DataFrame(
            {
                "campaign_id": name,
                "arm": arms,
                "treated_at": pd.Timestamp(when),
                "fold_group": [f"{name}{i}" for i in range(len(arms))],
                "is_converted": [True, False] * (len(arms) // 2),
            }
        )

    nudge = campaign("nudge", "2025-12-01", 20).assign(arm=["nudge"] * 20 + ["control"] * 20)
    training = pd.concat([nudge, campaign("calls", "2025-10-01", 20), campaign("later", "2026-01-01", 2)])
    training["treatment_row_number"] = range(len(training))
    assert set(human_campaign(training, params)["campaign_id"]) == {"calls"}
    fitted = pd.concat([training, campaign("latest", "2026-02-01", 20).assign(treatment_row_number=-1)])
    assert set(human_campaign(fitted, params)["campaign_id"]) == {"latest"}
