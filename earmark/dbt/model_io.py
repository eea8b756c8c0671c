"""What every dbt Python model reads and returns: the build's run parameters (int_run_parameters) as
Python values, and typed zero-row frames for outputs that have nothing to say."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from earmark.deprecations import RENAMED_VARS


def read_parameters(parameters: pd.DataFrame) -> dict[str, Any]:
    """The rows of int_run_parameters (parameter_name, JSON parameter_value) as a dict of Python values.
    A deprecated name (earmark.deprecations.RENAMED_VARS, as a previous release recorded it) is read
    under its replacement, as the dbt models read it, unless the replacement is there too."""
    values = {
        str(name): json.loads(value)
        for name, value in zip(parameters["parameter_name"], parameters["parameter_value"], strict=True)
    }
    for old, new in RENAMED_VARS.items():
        if old in values:
            values.setdefault(new, values.pop(old))
    return values


def used_parameters(parameters: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """The rows of int_run_parameters a model reads, in the order of `names` (every name must be there):
    what it depends on, so what a cached output is keyed by (earmark.dbt.model_cache)."""
    missing = sorted(set(names) - set(parameters["parameter_name"]))
    if missing:
        raise KeyError(f"int_run_parameters has no {missing}")
    rows = parameters.set_index("parameter_name").loc[list(names)].reset_index()
    return rows[["parameter_name", "parameter_value"]]


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """A zero-row frame with typed columns, so contracted marts on top keep their types."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
