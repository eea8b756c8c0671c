"""Step 1: the feature matrix clustering runs on, from a one-row-per-customer frame.

`build_feature_matrix` computes the derived features, keeps the configured ones that carry information,
imputes the remaining nulls, applies the log transform and scales. Rows are sorted by id first, so no
later step's output depends on the order of the input rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.errors import UndefinedVariableError
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from earmark.segmentation.config import FeatureConfig

MISSING_COLUMN = "missing column"
ALL_NULL = "all null"
CONSTANT = "constant"


class TooFewFeatures(ValueError):
    """Fewer than two usable features: segmentation is not estimable on this input."""


@dataclass
class FeatureMatrix:
    """The clustering input.

    ids: customer ids, sorted ascending; row i of `X` and `raw` belongs to ids[i].
    X: float64 array (customers x kept features) after imputation, log transform and scaling.
    feature_names: the kept features, in configuration order (the columns of X and raw).
    raw: the kept features untransformed and unimputed (nulls stay NaN), RangeIndex 0..n-1 like X; what
        profiles and effect sizes describe.
    dropped: feature -> reason it was left out ('missing column', 'all null' or 'constant').
    imputed: kept feature -> number of nulls (or infinities) replaced by the column median (every kept
        feature is listed, 0 when none).
    config: the configuration the matrix was built with.
    """

    ids: np.ndarray
    X: np.ndarray
    feature_names: list[str]
    raw: pd.DataFrame
    dropped: dict[str, str] = field(default_factory=dict)
    imputed: dict[str, int] = field(default_factory=dict)
    config: FeatureConfig | None = None

    def to_frame(self, id_column: str = "customer_id") -> pd.DataFrame:
        """The scaled matrix as a frame: the id column followed by one column per kept feature."""
        frame = pd.DataFrame(self.X, columns=self.feature_names)
        frame.insert(0, id_column, self.ids)
        return frame

    def feature_table(self) -> pd.DataFrame:
        """One row per configured feature: feature, position (1-based, configuration order), kept,
        reason (null when kept), nulls_imputed, log_transformed, derived_expression, scaler."""
        config = self.config
        names = config.features if config is not None else self.feature_names
        rows = []
        for position, name in enumerate(names, start=1):
            kept = name in self.feature_names
            rows.append(
                {
                    "feature": name,
                    "position": position,
                    "kept": kept,
                    "reason": None if kept else self.dropped.get(name),
                    "nulls_imputed": self.imputed.get(name, 0) if kept else None,
                    "log_transformed": bool(config is not None and name in config.log_features),
                    "derived_expression": config.derived.get(name) if config is not None else None,
                    "scaler": config.scaler if config is not None else None,
                }
            )
        frame = pd.DataFrame(rows)
        return frame.astype(
            {"nulls_imputed": "Int64", "reason": "str", "derived_expression": "str", "scaler": "str"}
        )


def _numeric(series: pd.Series, name: str) -> np.ndarray:
    """A column as float64 with NaN for nulls; text that is not a number is an error."""
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("float64")
    elif not pd.api.types.is_numeric_dtype(series.dtype):
        try:
            series = pd.to_numeric(series)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"feature {name!r} is not numeric: {exc}") from exc
    values = np.array(series.to_numpy(dtype="float64", na_value=np.nan), dtype="float64", copy=True)
    values[~np.isfinite(values)] = np.nan
    return values


def _scaler(name: str):
    return {"standard": StandardScaler, "robust": RobustScaler, "minmax": MinMaxScaler}[name]()


def build_feature_matrix(
    frame: pd.DataFrame, config: FeatureConfig, id_column: str = "customer_id"
) -> FeatureMatrix:
    """Turn a one-row-per-customer frame into the matrix clustering uses.

    In order: rows are sorted by `id_column` (ids must be unique and not null); each derived feature is
    computed with `frame.eval(expression)` in configuration order (a derived feature may use an earlier
    one); each configured feature is then checked: absent from the frame (or a derived expression naming
    an absent column) -> dropped as 'missing column', so a data set lacking, say, activity still segments
    on what it has; no non-null value -> 'all null'; after the log transform one distinct value only ->
    'constant'. Infinite values count as nulls. Nulls of a kept feature are filled with its median after
    the log transform (counted in `imputed`). Log features become log1p(clip(x, 0)); then the configured
    scaler is fitted on all rows.

    Raises ValueError when the id column is missing, ids repeat or are null, a feature is not numeric, a
    derived expression fails for another reason than a missing column, or fewer than 2 features remain
    (the message names the dropped ones and why).
    """
    if id_column not in frame.columns:
        raise ValueError(
            f"id column {id_column!r} is not in the frame (columns: {', '.join(map(str, frame))})"
        )
    ids = frame[id_column]
    if ids.isna().any():
        raise ValueError(f"id column {id_column!r} has {int(ids.isna().sum())} null values")
    if ids.duplicated().any():
        example = ids[ids.duplicated()].iloc[0]
        raise ValueError(
            f"id column {id_column!r} repeats ids, e.g. {example!r}: one row per customer needed"
        )

    work = frame.sort_values(id_column, kind="mergesort").reset_index(drop=True)

    dropped: dict[str, str] = {}
    for name, expression in config.derived.items():
        try:
            value = work.eval(expression)
        except (UndefinedVariableError, NameError, KeyError):
            dropped[name] = MISSING_COLUMN
            continue
        except Exception as exc:
            raise ValueError(f"derived feature {name!r} = {expression!r} failed: {exc}") from exc
        if not isinstance(value, pd.Series) or len(value) != len(work):
            raise ValueError(f"derived feature {name!r} = {expression!r} is not one value per row")
        work[name] = value

    kept: list[str] = []
    raw_columns: dict[str, np.ndarray] = {}
    transformed: list[np.ndarray] = []
    imputed: dict[str, int] = {}
    for name in config.features:
        if name in dropped:
            continue
        if name not in work.columns:
            dropped[name] = MISSING_COLUMN
            continue
        values = _numeric(work[name], name)
        observed = ~np.isnan(values)
        if not observed.any():
            dropped[name] = ALL_NULL
            continue
        column = np.log1p(np.clip(values, 0.0, None)) if name in config.log_features else values.copy()
        present = column[observed]
        if present.min() == present.max():
            dropped[name] = CONSTANT
            continue
        missing = int((~observed).sum())
        if missing:
            column[~observed] = np.median(present)
        kept.append(name)
        raw_columns[name] = values
        transformed.append(column)
        imputed[name] = missing

    if len(kept) < 2:
        reasons = ", ".join(f"{name} ({reason})" for name, reason in dropped.items()) or "none"
        raise TooFewFeatures(
            f"segmentation needs at least 2 usable features; kept {kept or 'none'}, dropped: {reasons}"
        )

    X = np.column_stack(transformed).astype("float64", copy=False)
    if config.scaler != "none":
        X = _scaler(config.scaler).fit_transform(X)
    X = np.ascontiguousarray(X, dtype="float64")
    return FeatureMatrix(
        ids=work[id_column].to_numpy(),
        X=X,
        feature_names=kept,
        raw=pd.DataFrame(raw_columns, columns=kept),
        dropped={name: dropped[name] for name in [*config.features, *config.derived] if name in dropped},
        imputed=imputed,
        config=config,
    )
