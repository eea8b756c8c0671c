"""earmark.dbt.churn: the tables the churn models write, on a small campaign whose churn follows one
covariate, under any row order, and on inputs without a churn label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earmark.dbt.churn import (
    ACCOUNT_DRIVER_COLUMNS,
    CUSTOMER_COLUMNS,
    OUT_OF_FOLD_COLUMNS,
    QUALITY_COLUMNS,
    account_uplift_drivers_table,
    churn_fit,
    customer_churn_table,
    gains,
    out_of_fold_table,
    quality_table,
)

pytestmark = pytest.mark.unit

PARAMS = {
    "policy_campaign_id": None,
    "uplift_covariates": None,
    "human_outreach_arm": "human_outreach",
    "uplift_folds": 5,
    "uplift_seed": 42,
    "uplift_driver_min_r2": 0.8,
}


def _training(n: int = 2000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    active = rng.integers(0, 30, n)
    return pd.DataFrame(
        {
            "treatment_row_number": np.arange(1, n + 1),
            "campaign_id": "nudge",
            "customer_id": [f"c{i:05d}" for i in range(n)],
            "fold_group": [f"A{i // 4:04d}" for i in range(n)],
            "arm": np.where(rng.random(n) < 0.5, "nudge", "control"),
            "is_treated": False,
            "treated_at": pd.Timestamp("2025-01-01"),
            "is_converted": rng.random(n) < 0.1,
            "is_churned": rng.random(n) < 1 / (1 + np.exp((active - 10) / 2)),
            "pre_active_days_30": active.astype(float),
            "pre_monetary": rng.gamma(2.0, 50.0, n),
        }
    )


def _scoring(training: pd.DataFrame) -> pd.DataFrame:
    return training[["customer_id", "pre_active_days_30", "pre_monetary"]].copy()


def test_out_of_fold_quality_and_gains():
    training = _training()
    scores = out_of_fold_table(training, PARAMS)
    assert list(scores.columns) == list(OUT_OF_FOLD_COLUMNS) and len(scores) == len(training)
    quality = quality_table(training, scores, PARAMS)
    assert list(quality.columns) == list(QUALITY_COLUMNS) and len(quality) == 1
    row = quality.iloc[0]
    assert row["is_estimable"] and row["training_rows"] == len(training) and row["covariates"] == 2
    assert row["out_of_fold_auc"] > 0.85
    table = gains(scores)
    assert table["customers"].sum() == len(training) and table["churners"].sum() == row["churners"]


def test_results_do_not_depend_on_row_order():
    training = _training()
    shuffled = training.sample(frac=1, random_state=5).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        out_of_fold_table(training, PARAMS).reset_index(drop=True),
        out_of_fold_table(shuffled, PARAMS).reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        customer_churn_table(churn_fit(training, PARAMS), _scoring(training)),
        customer_churn_table(churn_fit(shuffled, PARAMS), _scoring(shuffled)),
    )


def test_current_customers_get_a_probability_and_the_driving_covariate_first():
    training = _training()
    churn = customer_churn_table(churn_fit(training, PARAMS), _scoring(training))
    assert list(churn.columns) == list(CUSTOMER_COLUMNS)
    assert churn["customer_id"].is_unique and len(churn) == len(training)
    risky = churn[churn["churn_probability"] > 0.8]
    assert len(risky) > 50 and (risky["driver_1_feature"] == "pre_active_days_30").all()
    assert risky["driver_1_phrase"].str.startswith("few active days in the last 30 days").all()


def test_account_drivers_follow_the_uplift_and_say_whether_faithful():
    training = _training()
    scoring = _scoring(training)
    uplift = scoring[["customer_id"]].assign(
        campaign_id="nudge",
        scored_arm="nudge",
        chosen_learner="t_learner",
        uplift=0.2 - 0.01 * scoring["pre_active_days_30"],
    )
    account_of = training.set_index("customer_id")["fold_group"]
    drivers = account_uplift_drivers_table(training, scoring, uplift, account_of, PARAMS)
    assert list(drivers.columns) == list(ACCOUNT_DRIVER_COLUMNS)
    assert drivers["account_driver_id"].is_unique and len(drivers) == 2 * account_of.nunique()
    assert drivers["is_faithful"].all() and drivers["surrogate_r2"].iloc[0] > 0.95
    assert (drivers.loc[drivers["driver_rank"] == 1, "feature"] == "pre_active_days_30").all()
    noisy = uplift.assign(uplift=np.random.default_rng(0).normal(size=len(uplift)))
    assert not account_uplift_drivers_table(training, scoring, noisy, account_of, PARAMS)["is_faithful"].any()


def test_no_churn_label_gives_typed_empty_tables_and_a_reason():
    training = _training()
    for unlabelled in (training.assign(is_churned=None), training.iloc[:0]):
        scores = out_of_fold_table(unlabelled, PARAMS)
        assert scores.empty and list(scores.columns) == list(OUT_OF_FOLD_COLUMNS)
        assert str(scores["churn_score"].dtype) == "float64" and str(scores["fold"].dtype) == "int64"
        quality = quality_table(unlabelled, scores, PARAMS)
        assert len(quality) == 1 and not quality["is_estimable"].iloc[0]
        assert "no churn label" in quality["status_reason"].iloc[0]
        assert gains(scores).empty
        churn = customer_churn_table(churn_fit(unlabelled, PARAMS), _scoring(training))
        assert churn.empty and list(churn.columns) == list(CUSTOMER_COLUMNS)
    empty_uplift = pd.DataFrame(
        columns=["customer_id", "campaign_id", "scored_arm", "chosen_learner", "uplift"]
    )
    drivers = account_uplift_drivers_table(
        training, _scoring(training), empty_uplift, pd.Series(dtype=str), PARAMS
    )
    assert drivers.empty and list(drivers.columns) == list(ACCOUNT_DRIVER_COLUMNS)
