"""earmark.dbt.value: the tables the value models write, on small purchase days and on none at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earmark.dbt.value import (
    BUCKET_COLUMNS,
    CUSTOMER_COLUMNS,
    MODEL_COLUMNS,
    calibration_table,
    customer_value_table,
    value_models_table,
)

pytestmark = pytest.mark.unit

PARAMS = {
    "effective_as_of_date": "2024-07-01",
    "value_horizon_days": 364,
    "value_holdout_days": 91,
    "value_time_unit_days": 7,
}


def _days(n_customers: int = 300, seed: int = 5) -> pd.DataFrame:
    """Purchase days of customers who buy at their own Poisson rate until they stop (seeded)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_customers):
        day = int(rng.integers(0, 60))
        rate, stop = rng.gamma(1.0, 1 / 20), rng.integers(30, 400)
        spend = rng.gamma(4.0, 10.0)
        while day < min(int(stop), 181):
            rows.append((f"c{i:04d}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=day), spend))
            day += 1 + int(rng.exponential(1 / rate))
    return pd.DataFrame(rows, columns=["customer_id", "purchase_date", "day_value"])


def test_models_customers_and_buckets_from_purchase_days():
    days = _days()
    models = value_models_table(days, PARAMS)
    assert list(models.columns) == list(MODEL_COLUMNS)
    assert models["value_model_id"].tolist() == [
        "full:bg_nbd",
        "full:gamma_gamma",
        "calibration:bg_nbd",
        "calibration:gamma_gamma",
    ]
    assert str(models.loc[0, "period_end_date"].date()) == "2024-06-30"
    assert str(models.loc[2, "period_end_date"].date()) == "2024-03-31"
    full = models.iloc[0]
    assert full["is_fitted"] and full["n_customers"] == days["customer_id"].nunique()
    assert np.isnan(full["p"]) and full["r"] > 0

    values = customer_value_table(days, models, PARAMS)
    assert list(values.columns) == list(CUSTOMER_COLUMNS)
    assert values["customer_id"].is_unique and len(values) == days["customer_id"].nunique()
    assert values["probability_alive"].between(0, 1).all()
    assert np.allclose(values["clv"], values["expected_purchases"] * values["expected_spend"])
    assert (values["frequency"] == values["purchase_days"] - 1).all()

    buckets = calibration_table(days, models, PARAMS)
    assert list(buckets.columns) == list(BUCKET_COLUMNS)
    assert buckets["bucket_order"].is_monotonic_increasing
    calibration_customers = days.loc[days["purchase_date"] <= "2024-03-31", "customer_id"].nunique()
    assert int(buckets["customers"].sum()) == calibration_customers


def test_results_do_not_depend_on_row_order():
    days = _days()
    shuffled = days.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(value_models_table(days, PARAMS), value_models_table(shuffled, PARAMS))


def test_no_purchases_and_no_as_of_date_give_typed_empty_tables_and_reasons():
    none = _days().iloc[:0]
    for params in (PARAMS, {**PARAMS, "effective_as_of_date": None}):
        models = value_models_table(none, params)
        assert len(models) == 4 and not models["is_fitted"].any()
        assert models[["r", "alpha", "a", "b", "p", "q", "v"]].isna().all().all()
        assert (models["status_reason"] != "fitted").all()
        assert customer_value_table(none, models, params).empty
        assert calibration_table(none, models, params).empty
    assert (
        value_models_table(none, {**PARAMS, "effective_as_of_date": None})["status_reason"]
        .str.contains("no as-of date")
        .all()
    )


def test_nobody_repeating_lists_customers_without_predictions():
    days = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "purchase_date": pd.to_datetime(["2024-02-01", "2024-05-01"]),
            "day_value": [10.0, 20.0],
        }
    )
    models = value_models_table(days, PARAMS)
    assert not models["is_fitted"].any() and "repeat" in models.loc[0, "status_reason"]
    values = customer_value_table(days, models, PARAMS)
    assert values["customer_id"].tolist() == ["a", "b"] and values["clv"].isna().all()
    buckets = calibration_table(days, models, PARAMS)
    assert buckets["frequency_bucket"].tolist() == ["0"] and buckets["mean_predicted_purchases"].isna().all()
    assert buckets["customers"].tolist() == [1]
