"""Recency, frequency, T and monetary value per customer from dated purchases: the inputs of BG/NBD and
Gamma-Gamma, in the convention of the literature (Fader, Hardie and Lee 2005).

Purchases are counted per day: several lines (or orders) of one customer on one day are one purchase, and
their values add up. The first purchase day starts the customer's clock and is not a repeat purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_TIME_UNIT_DAYS = 7.0

SUMMARY_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "first_purchase_date": "datetime64[ns]",
    "last_purchase_date": "datetime64[ns]",
    "purchase_days": "int64",
    "frequency": "int64",
    "recency": "float64",
    "T": "float64",
    "monetary": "float64",
}


def empty_table(columns: dict[str, str]) -> pd.DataFrame:
    """A zero-row frame with these typed columns."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def purchase_days(
    purchases: pd.DataFrame, customer: str = "customer_id", at: str = "purchased_at", value: str = "value"
) -> pd.DataFrame:
    """One row per customer and purchase day (`customer_id`, `purchase_date`, `day_value`), sorted.

    `purchases` has one row per purchase line: the customer, when (a date or timestamp; only its day
    counts) and the line's value (null counts as 0 in the day's total).
    """
    if purchases.empty:
        return empty_table({"customer_id": "str", "purchase_date": "datetime64[ns]", "day_value": "float64"})
    frame = pd.DataFrame(
        {
            "customer_id": purchases[customer].astype(str).to_numpy(),
            "purchase_date": pd.to_datetime(purchases[at]).dt.normalize().astype("datetime64[ns]").to_numpy(),
            "day_value": pd.to_numeric(purchases[value], errors="coerce")
            .fillna(0.0)
            .astype(float)
            .to_numpy(),
        }
    )
    days = frame.groupby(["customer_id", "purchase_date"], as_index=False, sort=True)["day_value"].sum()
    return days.reset_index(drop=True)


def rfm_summary(
    days: pd.DataFrame,
    observation_end: pd.Timestamp | str,
    time_unit_days: float = DEFAULT_TIME_UNIT_DAYS,
) -> pd.DataFrame:
    """Per customer with a purchase day on or before `observation_end` (the last day observed, inclusive):

    - frequency: repeat purchase days (distinct purchase days minus 1),
    - recency: first to last purchase day, in time units,
    - T: first purchase day to `observation_end`, in time units,
    - monetary: mean value of the repeat purchase days (the first day excluded, as Gamma-Gamma needs);
      null when frequency is 0.

    `days` is `purchase_days`' output (or any frame with customer_id, purchase_date, day_value at one row
    per customer and day). Days after `observation_end` are ignored. Sorted by customer_id, so the result
    does not depend on the input's row order.
    """
    if time_unit_days <= 0:
        raise ValueError(f"time_unit_days must be positive, got {time_unit_days}")
    end = pd.Timestamp(observation_end).normalize()
    if days.empty:
        return empty_table(SUMMARY_COLUMNS)
    frame = days.assign(purchase_date=pd.to_datetime(days["purchase_date"]).dt.normalize())
    frame = frame[frame["purchase_date"] <= end]
    if frame.empty:
        return empty_table(SUMMARY_COLUMNS)
    # one row per day even when the caller passed several lines of one day
    frame = frame.groupby(["customer_id", "purchase_date"], as_index=False, sort=True)["day_value"].sum()
    first_day = frame.groupby("customer_id", sort=True)["purchase_date"].transform("min")
    is_repeat = frame["purchase_date"] > first_day
    grouped = frame.groupby("customer_id", sort=True)
    summary = pd.DataFrame(
        {
            "first_purchase_date": grouped["purchase_date"].min(),
            "last_purchase_date": grouped["purchase_date"].max(),
            "purchase_days": grouped["purchase_date"].size().astype("int64"),
        }
    )
    repeat_value = frame.loc[is_repeat].groupby("customer_id", sort=True)["day_value"].mean()
    unit = pd.Timedelta(days=1) * time_unit_days
    summary["frequency"] = summary["purchase_days"] - 1
    summary["recency"] = (summary["last_purchase_date"] - summary["first_purchase_date"]) / unit
    summary["T"] = (end - summary["first_purchase_date"]) / unit
    summary["monetary"] = repeat_value.reindex(summary.index).astype(float)
    summary = summary.reset_index()
    summary["customer_id"] = summary["customer_id"].astype(str)
    for column in ("first_purchase_date", "last_purchase_date"):
        summary[column] = summary[column].astype("datetime64[ns]")
    return summary[list(SUMMARY_COLUMNS)].reset_index(drop=True)


def holdout_purchases(
    days: pd.DataFrame, calibration_end: pd.Timestamp | str, holdout_end: pd.Timestamp | str
):
    """Purchase days per customer after `calibration_end` up to `holdout_end` (both inclusive ends), as a
    Series indexed by customer_id (customers without any: absent)."""
    start, end = pd.Timestamp(calibration_end).normalize(), pd.Timestamp(holdout_end).normalize()
    if days.empty:
        return pd.Series(dtype="int64", name="holdout_purchases")
    dates = pd.to_datetime(days["purchase_date"]).dt.normalize()
    inside = days.loc[(dates > start) & (dates <= end)].assign(purchase_date=dates)
    counts = inside.groupby("customer_id", sort=True)["purchase_date"].nunique()
    return counts.astype(np.int64).rename("holdout_purchases")
