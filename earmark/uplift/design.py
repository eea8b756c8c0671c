"""The covariate matrix every uplift model trains and scores on.

`design_spec` learns the encoding from a training frame; `apply_design` applies it to any frame with the
same covariates (the training rows, or customers outside the campaign), so training and scoring always
see the same columns in the same order. `design_matrix` does both on one frame.

Encoding, per covariate in the order given:
- numeric (int, float, nullable Int/Float) and boolean columns: one float64 column; bool becomes 0/1;
  nulls and infinities stay NaN (HistGradientBoosting handles them natively; the other learners impute
  inside their Pipeline);
- text, object and categorical columns: one-hot. The kept categories are the `max_categories` (20) most
  frequent non-null values of the training frame (ties broken by the value's text, ascending), emitted in
  ascending text order as `<column>=<value>`, followed by `<column>=__other__` for every other value,
  including values never seen in training. A null gets 0 in all of that column's indicators.
- object columns whose non-null values are all numbers or all booleans count as numeric.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_CATEGORIES = 20
OTHER = "__other__"
NUMERIC_INFERRED = {"boolean", "integer", "floating", "mixed-integer-float", "decimal"}


@dataclass
class DesignSpec:
    """How to turn a frame's covariates into a matrix.

    covariates: the covariate columns, in order.
    categories: categorical covariate -> its kept categories (ascending); covariates not in it are numeric.
    names: the matrix column names, in order.
    """

    covariates: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


def _is_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        raise TypeError(f"covariate {series.name!r} is a date or duration; derive a number from it first")
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return True
    if series.dtype == object:
        return pd.api.types.infer_dtype(series, skipna=True) in NUMERIC_INFERRED
    return False  # text, categorical


def _numeric_values(series: pd.Series) -> np.ndarray:
    """A covariate as float64 with NaN for nulls and infinities."""
    if series.dtype == object:
        series = pd.to_numeric(series.map(lambda v: float(v) if isinstance(v, bool) else v))
    values = series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    values[~np.isfinite(values)] = np.nan
    return values


def _as_text(series: pd.Series) -> pd.Series:
    """Non-null values as their text (so 1 and '1' are one category); nulls stay null."""
    text = series.astype("object").map(str)
    text[series.isna().to_numpy()] = None
    return text


def _check_columns(frame: pd.DataFrame, covariates: list[str]) -> None:
    if not covariates:
        raise ValueError("at least one covariate is needed")
    if len(set(covariates)) != len(covariates):
        raise ValueError("covariates are listed more than once")
    missing = [c for c in covariates if c not in frame.columns]
    if missing:
        raise KeyError(f"covariates missing from the frame: {missing}")


def design_spec(
    frame: pd.DataFrame, covariates: list[str], max_categories: int = MAX_CATEGORIES
) -> DesignSpec:
    """Learn the encoding of `covariates` from `frame` (see the module doc)."""
    covariates = list(covariates)
    _check_columns(frame, covariates)
    categories: dict[str, list[str]] = {}
    names: list[str] = []
    for column in covariates:
        series = frame[column]
        if _is_numeric(series):
            names.append(column)
            continue
        counts = _as_text(series).dropna().value_counts()
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = sorted(value for value, _ in ranked[:max_categories])
        categories[column] = kept
        names.extend(f"{column}={value}" for value in kept)
        names.append(f"{column}={OTHER}")
    return DesignSpec(covariates=covariates, categories=categories, names=names)


def apply_design(frame: pd.DataFrame, spec: DesignSpec) -> tuple[np.ndarray, list[str]]:
    """The float64 matrix (rows of `frame` in order x `spec.names`) and its column names."""
    _check_columns(frame, spec.covariates)
    X = np.empty((len(frame), len(spec.names)), dtype="float64")
    j = 0
    for column in spec.covariates:
        series = frame[column]
        if column not in spec.categories:
            X[:, j] = _numeric_values(series)
            j += 1
            continue
        kept = spec.categories[column]
        text = _as_text(series)
        position = {value: i for i, value in enumerate(kept)}
        codes = text.map(position).fillna(-1).to_numpy(dtype="int64")  # -1 for null and unseen values
        block = np.zeros((len(frame), len(kept) + 1), dtype="float64")
        known = codes >= 0
        block[np.flatnonzero(known), codes[known]] = 1.0
        block[:, len(kept)] = (~known & text.notna().to_numpy()).astype("float64")
        X[:, j : j + len(kept) + 1] = block
        j += len(kept) + 1
    return X, list(spec.names)


def design_matrix(
    frame: pd.DataFrame, covariates: list[str], max_categories: int = MAX_CATEGORIES
) -> tuple[np.ndarray, list[str]]:
    """Encode `covariates` of `frame` as a float64 matrix: (X, column names). See the module doc."""
    return apply_design(frame, design_spec(frame, covariates, max_categories))
