"""Customer lifetime value over a horizon, and the calibration/holdout check of the purchase model.

CLV here is undiscounted: expected purchases in the horizon (BG/NBD) times expected spend per purchase
(Gamma-Gamma). Over a horizon of a year or two a discount rate changes the ranking of customers very
little and adds a parameter nobody has measured, so none is applied; the horizon is the one lever.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from earmark.value import bgnbd, gamma_gamma
from earmark.value.fit import FitResult
from earmark.value.summary import DEFAULT_TIME_UNIT_DAYS, empty_table, holdout_purchases, rfm_summary

VALUE_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "frequency": "int64",
    "recency": "float64",
    "T": "float64",
    "monetary": "float64",
    "probability_alive": "float64",
    "expected_purchases": "float64",
    "expected_spend": "float64",
    "clv": "float64",
}

FREQUENCY_BUCKETS: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7+")

CALIBRATION_COLUMNS: dict[str, str] = {
    "frequency_bucket": "str",
    "bucket_order": "int64",
    "customers": "int64",
    "mean_predicted_purchases": "float64",
    "mean_actual_purchases": "float64",
}


def customer_value(
    summary: pd.DataFrame, purchases_fit: FitResult, spend_fit: FitResult, horizon: float
) -> pd.DataFrame:
    """Per customer of `summary` (rfm_summary): probability alive, expected purchases in the next
    `horizon` time units, expected spend per purchase and CLV = their product.

    A model that is not fitted leaves its columns (and CLV) null, never a number from unfitted parameters.
    """
    if summary.empty:
        return empty_table(VALUE_COLUMNS)
    frame = summary.sort_values("customer_id").reset_index(drop=True)
    out = frame[["customer_id", "frequency", "recency", "T", "monetary"]].copy()
    x, t_x, T = frame["frequency"], frame["recency"], frame["T"]
    n = len(frame)
    if purchases_fit.is_fitted:
        out["probability_alive"] = bgnbd.probability_alive(purchases_fit.params, x, t_x, T)
        out["expected_purchases"] = bgnbd.expected_purchases(purchases_fit.params, horizon, x, t_x, T)
    else:
        out["probability_alive"] = np.full(n, np.nan)
        out["expected_purchases"] = np.full(n, np.nan)
    if spend_fit.is_fitted:
        out["expected_spend"] = gamma_gamma.expected_spend(spend_fit.params, x, frame["monetary"])
    else:
        out["expected_spend"] = np.full(n, np.nan)
    out["clv"] = out["expected_purchases"] * out["expected_spend"]
    return out.astype(VALUE_COLUMNS)


def frequency_bucket(frequency: pd.Series) -> pd.Series:
    """'0' .. '6' and '7+' for repeat purchase counts."""
    return frequency.clip(upper=7).astype(int).map(lambda f: "7+" if f >= 7 else str(f))


@dataclass(frozen=True)
class HoldoutCheck:
    """A BG/NBD fitted on the calibration period, and its predictions against the holdout."""

    fit: FitResult
    per_customer: pd.DataFrame  # customer_id, frequency, predicted, actual
    buckets: pd.DataFrame  # CALIBRATION_COLUMNS


def holdout_check(
    days: pd.DataFrame,
    calibration_end: pd.Timestamp | str,
    holdout_end: pd.Timestamp | str,
    time_unit_days: float = DEFAULT_TIME_UNIT_DAYS,
    fit: FitResult | None = None,
) -> HoldoutCheck:
    """Fit BG/NBD on purchase days up to `calibration_end` (inclusive), predict each calibration
    customer's repeat purchase days in (calibration_end, holdout_end], and compare with what they did,
    per frequency bucket. Customers whose first purchase falls in the holdout are not part of the check.
    `fit`: a calibration fit made earlier (the same data gives the same fit); fitted here when None.
    """
    start, end = pd.Timestamp(calibration_end).normalize(), pd.Timestamp(holdout_end).normalize()
    summary = rfm_summary(days, start, time_unit_days)
    fit = bgnbd.fit(summary) if fit is None else fit
    if summary.empty:
        empty = pd.DataFrame(
            {
                "customer_id": pd.Series(dtype="str"),
                "frequency": pd.Series(dtype="int64"),
                "predicted": pd.Series(dtype="float64"),
                "actual": pd.Series(dtype="int64"),
            }
        )
        return HoldoutCheck(fit=fit, per_customer=empty, buckets=empty_table(CALIBRATION_COLUMNS))
    horizon = (end - start) / pd.Timedelta(days=1) / time_unit_days
    actual = holdout_purchases(days, start, end).reindex(summary["customer_id"]).fillna(0).astype("int64")
    predicted = (
        bgnbd.expected_purchases(fit.params, horizon, summary["frequency"], summary["recency"], summary["T"])
        if fit.is_fitted
        else np.full(len(summary), np.nan)
    )
    per_customer = pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "frequency": summary["frequency"].to_numpy(),
            "predicted": np.asarray(predicted, dtype=float),
            "actual": actual.to_numpy(),
        }
    )
    bucket = frequency_bucket(per_customer["frequency"])
    grouped = per_customer.assign(frequency_bucket=bucket).groupby("frequency_bucket", sort=False)
    buckets = pd.DataFrame(
        {
            "customers": grouped.size(),
            "mean_predicted_purchases": grouped["predicted"].mean(),
            "mean_actual_purchases": grouped["actual"].mean().astype(float),
        }
    ).reset_index()
    buckets["bucket_order"] = buckets["frequency_bucket"].map(FREQUENCY_BUCKETS.index)
    buckets = buckets.sort_values("bucket_order").reset_index(drop=True)
    return HoldoutCheck(
        fit=fit,
        per_customer=per_customer,
        buckets=buckets[list(CALIBRATION_COLUMNS)].astype(CALIBRATION_COLUMNS),
    )
