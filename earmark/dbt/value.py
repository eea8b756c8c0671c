"""What the dbt Python models of models/intermediate/value run: the BG/NBD and Gamma-Gamma fits on the
purchase days before the as-of date (and on a calibration period that ends `value_holdout_days` before
it), per-customer CLV from the stored fit, and the calibration/holdout check per frequency bucket.

The fits are maximum likelihood written with scipy in `earmark.value` (pymc-marketing needs Python 3.12+,
lifetimes is unmaintained since 2020). Dates: the as-of date is exclusive, so the last day observed is the
day before it; the calibration period's last day is `value_holdout_days` earlier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from earmark.dbt.model_io import empty_frame
from earmark.value import bgnbd, customer_value, gamma_gamma, holdout_check, rfm_summary
from earmark.value.fit import FitResult

FULL, CALIBRATION = "full", "calibration"

MODEL_COLUMNS: dict[str, str] = {
    "value_model_id": "str",
    "fit_period": "str",
    "model_name": "str",
    "period_end_date": "datetime64[ns]",
    "prediction_days": "float64",
    "time_unit_days": "float64",
    "is_fitted": "bool",
    "is_converged": "bool",
    "status_reason": "str",
    "n_customers": "int64",
    "log_likelihood": "float64",
    "iterations": "int64",
    "r": "float64",
    "alpha": "float64",
    "a": "float64",
    "b": "float64",
    "p": "float64",
    "q": "float64",
    "v": "float64",
}

CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "first_purchase_date": "datetime64[ns]",
    "last_purchase_date": "datetime64[ns]",
    "purchase_days": "int64",
    "frequency": "int64",
    "recency": "float64",
    "age": "float64",
    "monetary": "float64",
    "probability_alive": "float64",
    "expected_purchases": "float64",
    "expected_spend": "float64",
    "clv": "float64",
    "horizon_days": "float64",
}

BUCKET_COLUMNS: dict[str, str] = {
    "frequency_bucket": "str",
    "bucket_order": "int64",
    "customers": "int64",
    "mean_predicted_purchases": "float64",
    "mean_actual_purchases": "float64",
    "holdout_days": "float64",
}


def _period_ends(params: dict[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The last day observed and the calibration period's last day; None without an as-of date."""
    as_of = params.get("effective_as_of_date")
    if not as_of:
        return None
    last_day = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=1)
    return last_day, last_day - pd.Timedelta(days=int(params["value_holdout_days"]))


def _days(purchase_days: pd.DataFrame) -> pd.DataFrame:
    frame = purchase_days[["customer_id", "purchase_date", "day_value"]].copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"])
    frame["day_value"] = pd.to_numeric(frame["day_value"]).astype(float)
    return frame.sort_values(["customer_id", "purchase_date"]).reset_index(drop=True)


def _model_row(period: str, end: pd.Timestamp | None, days: float, unit: float, fit: FitResult) -> dict:
    row: dict[str, Any] = {
        "value_model_id": f"{period}:{fit.model}",
        "fit_period": period,
        "model_name": fit.model,
        "period_end_date": end,
        "prediction_days": days,
        "time_unit_days": unit,
        "is_fitted": fit.is_fitted,
        "is_converged": fit.converged,
        "status_reason": fit.reason or "fitted",
        "n_customers": fit.n_customers,
        "log_likelihood": np.nan if fit.log_likelihood is None else fit.log_likelihood,
        "iterations": fit.iterations,
    }
    for name in (*bgnbd.PARAMETERS, *gamma_gamma.PARAMETERS):
        row[name] = fit.params.get(name, np.nan)
    return row


def value_models_table(purchase_days: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Four rows: BG/NBD and Gamma-Gamma fitted on every purchase day before the as-of date ('full', what
    CLV uses) and on the calibration period ('calibration', what the holdout check uses). A model that
    could not be fitted keeps its row, with null parameters and the reason."""
    unit = float(params["value_time_unit_days"])
    horizon, holdout = float(params["value_horizon_days"]), float(params["value_holdout_days"])
    ends = _period_ends(params)
    days = _days(purchase_days)
    rows = []
    for period, prediction in ((FULL, horizon), (CALIBRATION, holdout)):
        if ends is None:
            reason = "no as-of date: the input has no dated rows"
            fits = [FitResult(model=m, reason=reason) for m in (bgnbd.MODEL, gamma_gamma.MODEL)]
            end = None
        else:
            end = ends[0 if period == FULL else 1]
            summary = rfm_summary(days, end, unit)
            fits = [bgnbd.fit(summary), gamma_gamma.fit(summary)]
        rows.extend(_model_row(period, end, prediction, unit, fit) for fit in fits)
    return pd.DataFrame(rows).astype(MODEL_COLUMNS)[list(MODEL_COLUMNS)]


def stored_fit(models: pd.DataFrame, period: str, model: str) -> FitResult:
    """A fit read back from value_models_table's output (float64 is stored exactly)."""
    rows = models[(models["fit_period"] == period) & (models["model_name"] == model)]
    if rows.empty or not bool(rows["is_fitted"].iloc[0]):
        return FitResult(model=model)
    names = bgnbd.PARAMETERS if model == bgnbd.MODEL else gamma_gamma.PARAMETERS
    return FitResult(
        model=model, params={n: float(rows[n].iloc[0]) for n in names}, is_fitted=True, converged=True
    )


def customer_value_table(
    purchase_days: pd.DataFrame, models: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """One row per customer with a kept sale before the as-of date: frequency, recency, age (T) and
    monetary value, and from the 'full' fits P(alive), expected purchases and spend over the horizon and
    CLV (null where a model is not fitted)."""
    ends = _period_ends(params)
    if ends is None or purchase_days.empty:
        return empty_frame(CUSTOMER_COLUMNS)
    unit, horizon = float(params["value_time_unit_days"]), float(params["value_horizon_days"])
    summary = rfm_summary(_days(purchase_days), ends[0], unit)
    values = customer_value(
        summary,
        stored_fit(models, FULL, bgnbd.MODEL),
        stored_fit(models, FULL, gamma_gamma.MODEL),
        horizon / unit,
    )
    out = summary[["customer_id", "first_purchase_date", "last_purchase_date", "purchase_days"]].merge(
        values.rename(columns={"T": "age"}), on="customer_id", how="left", validate="one_to_one"
    )
    out["horizon_days"] = horizon
    return out[list(CUSTOMER_COLUMNS)].astype(CUSTOMER_COLUMNS)


def calibration_table(
    purchase_days: pd.DataFrame, models: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Per calibration frequency bucket ('0'..'6', '7+'): customers, mean predicted and mean actual repeat
    purchase days in the holdout, from the 'calibration' BG/NBD fit (predictions null when it is not
    fitted). No rows without an as-of date or without customers in the calibration period."""
    ends = _period_ends(params)
    if ends is None or purchase_days.empty:
        return empty_frame(BUCKET_COLUMNS)
    unit, holdout = float(params["value_time_unit_days"]), float(params["value_holdout_days"])
    last_day, calibration_end = ends
    # predict from the stored fit, so the table shows the parameters the models mart reports
    fit = stored_fit(models, CALIBRATION, bgnbd.MODEL)
    check = holdout_check(_days(purchase_days), calibration_end, last_day, unit, fit=fit)
    if check.buckets.empty:
        return empty_frame(BUCKET_COLUMNS)
    return check.buckets.assign(holdout_days=holdout)[list(BUCKET_COLUMNS)].astype(BUCKET_COLUMNS)
