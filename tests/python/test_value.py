"""earmark.value: the RFM summary, BG/NBD and Gamma-Gamma fits, CLV and the holdout check; on small
hand-made purchases, and on CDNOW against the published estimates (Fader, Hardie and Lee 2005)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earmark.value import (
    CALIBRATION_COLUMNS,
    VALUE_COLUMNS,
    bgnbd,
    customer_value,
    gamma_gamma,
    holdout_check,
    purchase_days,
    rfm_summary,
)

pytestmark = pytest.mark.unit

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def _lines(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "purchased_at", "value"])
    return frame.assign(purchased_at=pd.to_datetime(frame["purchased_at"], format="ISO8601"))


def test_summary_counts_repeat_days_and_weeks():
    lines = _lines(
        [
            ("b", "2024-01-01 09:00", 10.0),
            ("b", "2024-01-01 17:00", 5.0),  # same day: one purchase of 15
            ("b", "2024-01-15", 30.0),
            ("b", "2024-01-29", 10.0),
            ("a", "2024-01-08", 7.0),
            ("b", "2024-03-01", 99.0),  # after the end: ignored
        ]
    )
    summary = rfm_summary(purchase_days(lines), "2024-02-05")
    assert summary["customer_id"].tolist() == ["a", "b"]
    a, b = summary.iloc[0], summary.iloc[1]
    assert (a["frequency"], a["recency"], a["T"]) == (0, 0.0, 4.0)
    assert np.isnan(a["monetary"])
    assert (b["purchase_days"], b["frequency"], b["recency"], b["T"]) == (3, 2, 4.0, 5.0)
    assert b["monetary"] == pytest.approx(20.0)  # (30 + 10) / 2: the first day is not a repeat
    in_days = rfm_summary(purchase_days(lines), "2024-02-05", time_unit_days=1)
    assert in_days.loc[1, "T"] == 35.0


def test_summary_does_not_depend_on_row_order():
    rng = np.random.default_rng(3)
    lines = _lines(
        [
            (
                f"c{rng.integers(20)}",
                pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(90))),
                1.0,
            )
            for _ in range(200)
        ]
    )
    one = rfm_summary(purchase_days(lines), "2024-04-01")
    other = rfm_summary(purchase_days(lines.sample(frac=1, random_state=1)), "2024-04-01")
    pd.testing.assert_frame_equal(one, other)


def test_empty_and_degenerate_inputs_say_why_not_fitted():
    empty = rfm_summary(purchase_days(_lines([])), "2024-01-01")
    assert empty.empty and list(empty.columns)[:3] == [
        "customer_id",
        "first_purchase_date",
        "last_purchase_date",
    ]
    fit = bgnbd.fit(empty)
    assert not fit.is_fitted and fit.params == {} and fit.n_customers == 0 and "no customers" in fit.reason
    values = customer_value(empty, fit, gamma_gamma.fit(empty), 52)
    assert values.empty and list(values.columns) == list(VALUE_COLUMNS)
    assert values["clv"].dtype == np.float64 and values["frequency"].dtype == np.int64

    once = rfm_summary(
        purchase_days(_lines([("a", "2024-01-01", 5.0), ("b", "2024-01-03", 6.0)])), "2024-02-01"
    )
    purchases, spend = bgnbd.fit(once), gamma_gamma.fit(once)
    assert not purchases.is_fitted and "repeat" in purchases.reason and purchases.n_customers == 2
    assert not spend.is_fitted and spend.n_customers == 0
    values = customer_value(once, purchases, spend, 52)
    assert len(values) == 2 and values["clv"].isna().all()

    check = holdout_check(purchase_days(_lines([])), "2024-01-01", "2024-03-01")
    assert check.buckets.empty and list(check.buckets.columns) == list(CALIBRATION_COLUMNS)


def test_probability_alive_and_expected_purchases_behave():
    params = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    # no repeat: alive; a long silence after many purchases: probably gone
    alive = bgnbd.probability_alive(params, [0, 5, 5], [0, 30, 5], [30, 30, 30])
    assert alive[0] == 1.0 and alive[1] == pytest.approx(1 / (1 + 0.8 / 6.5)) and alive[2] < 0.1
    expected = bgnbd.expected_purchases(params, 52, [0, 5, 5], [0, 30, 5], [30, 30, 30])
    assert expected[1] > expected[0] > 0 and expected[1] > expected[2]
    assert bgnbd.expected_purchases(params, 0, [3], [2], [4])[0] == 0
    # a longer horizon never expects fewer purchases
    assert (
        bgnbd.expected_purchases(params, 104, [2], [10], [20])[0]
        > bgnbd.expected_purchases(params, 52, [2], [10], [20])[0]
    )


def test_gamma_gamma_shrinks_towards_the_population_mean():
    params = {"p": 6.0, "q": 4.0, "v": 15.0}
    population = 6.0 * 15.0 / 3.0
    spend = gamma_gamma.expected_spend(params, [0, 1, 50], [np.nan, 100.0, 100.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0


def test_fits_recover_simulated_parameters():
    """Customers drawn from a BG/NBD with known parameters: the fit comes back near them (seeded)."""
    rng = np.random.default_rng(11)
    r, alpha, a, b = 0.8, 6.0, 0.7, 3.0
    n, T = 4000, 52.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    summary = pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(n)],
            "frequency": x.astype(int),
            "recency": t_x,
            "T": np.full(n, T),
        }
    )
    fit = bgnbd.fit(summary)
    assert fit.is_fitted and fit.iterations > 0 and fit.n_customers == n
    for name, true in zip(bgnbd.PARAMETERS, (r, alpha, a, b), strict=True):
        assert fit.params[name] == pytest.approx(true, rel=0.25), name
    shuffled = bgnbd.fit(summary.sample(frac=1, random_state=2))
    assert shuffled.params == fit.params


@pytest.fixture(scope="module")
def cdnow_days(datasets_dir):
    from earmark.ingest.cdnow import read_cdnow

    lines = read_cdnow(datasets_dir / "cdnow_sample" / "CDNOW_sample.txt")
    return purchase_days(lines, customer="customer_ref", at="purchased_at", value="dollars")


@pytest.mark.integration
def test_cdnow_reproduces_the_published_fits(cdnow_days):
    summary = rfm_summary(cdnow_days, "1997-09-30")  # weeks 1-39
    assert len(summary) == 2357 and int((summary["frequency"] > 0).sum()) == 946
    purchases = bgnbd.fit(summary)
    assert purchases.is_fitted and purchases.n_customers == 2357
    for name, published in PUBLISHED_BGNBD.items():
        assert purchases.params[name] == pytest.approx(published, rel=0.01), name
    assert purchases.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    spend = gamma_gamma.fit(summary)
    assert spend.is_fitted and spend.n_customers == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert spend.params[name] == pytest.approx(published, rel=0.01), name


@pytest.mark.integration
def test_cdnow_holdout_weeks_40_to_78(cdnow_days):
    """Measured: 1,882 repeat purchase days in the holdout against 1,653.4 predicted (12.1% under; the
    model's known under-forecast of this sample's repeat days). Asserted: within 15% in total, and per
    bucket the order of the predictions follows what customers did."""
    check = holdout_check(cdnow_days, "1997-09-30", "1998-06-30")
    per_customer = check.per_customer
    assert len(per_customer) == 2357 and int(per_customer["actual"].sum()) == 1882
    predicted, actual = per_customer["predicted"].sum(), per_customer["actual"].sum()
    assert predicted == pytest.approx(1653.4, abs=0.5)
    assert abs(predicted - actual) / actual < 0.15
    buckets = check.buckets.set_index("frequency_bucket")
    assert buckets.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert int(buckets["customers"].sum()) == 2357 and int(buckets.loc["0", "customers"]) == 1411
    # predictions rise with calibration frequency, as the purchases did
    assert buckets["mean_predicted_purchases"].is_monotonic_increasing
    assert buckets["mean_actual_purchases"].iloc[0] < buckets["mean_actual_purchases"].iloc[-1]
    # measured mean predicted vs actual per bucket: 0: 0.23/0.24, 1: 0.52/0.70, 2: 1.04/1.39, 3: 1.52/1.56,
    # 4: 2.16/2.53, 5: 2.65/2.95, 6: 3.50/3.86, 7+: 6.16/6.36; the largest gap is 0.35 (bucket 2)
    gap = (buckets["mean_predicted_purchases"] - buckets["mean_actual_purchases"]).abs()
    assert (gap < 0.4).all(), gap.to_dict()
