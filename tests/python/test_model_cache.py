"""The Python-model cache: the same inputs reuse the stored frame, any change to them recomputes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from earmark.dbt.model_cache import cache_key, cached_frame

pytestmark = pytest.mark.unit


def inputs() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    return {"rows": pd.DataFrame({"id": np.arange(100), "x": rng.random(100), "arm": ["a", "b"] * 50})}


def test_same_inputs_reuse_the_stored_frame(tmp_path: Path) -> None:
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"id": np.arange(3), "score": [0.5, np.nan, 1.5], "label": ["x", "y", None]})

    first = cached_frame(tmp_path, "model", inputs(), compute)
    again = cached_frame(tmp_path, "model", inputs(), compute)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, again)  # values, NaN, None and dtypes survive the round trip
    hits = json.loads((tmp_path / "model" / "hits.json").read_text())
    assert list(hits.values()) == [1]


def test_row_order_does_not_change_the_key_but_values_dtypes_and_columns_do() -> None:
    base = inputs()
    key = cache_key("model", base)
    shuffled = {"rows": base["rows"].sample(frac=1.0, random_state=1)}
    assert cache_key("model", shuffled) == key
    changed = base["rows"].copy()
    changed.loc[7, "x"] += 1e-12
    assert cache_key("model", {"rows": changed}) != key
    assert cache_key("model", {"rows": base["rows"].astype({"id": "float64"})}) != key
    assert cache_key("model", {"rows": base["rows"][["x", "id", "arm"]]}) != key
    assert cache_key("other_model", base) != key


def test_a_new_key_replaces_the_old_entry_and_none_turns_caching_off(tmp_path: Path) -> None:
    cached_frame(tmp_path, "model", inputs(), lambda: pd.DataFrame({"v": [1]}))
    changed = {"rows": inputs()["rows"].head(50)}
    second = cached_frame(tmp_path, "model", changed, lambda: pd.DataFrame({"v": [2]}))
    assert second["v"].tolist() == [2]
    assert len(list((tmp_path / "model").glob("*.parquet"))) == 1
    calls = []
    for _ in range(2):
        cached_frame(None, "model", inputs(), lambda: calls.append(1) or pd.DataFrame({"v": [3]}))
    assert len(calls) == 2
