"""Reuse a Python model's output while its inputs are unchanged: what makes an incremental build cheap.

A dbt Python model is a pure function of its input frames, the code and the library versions: Earmark's
models are seeded and every fit runs on one thread (in the model's process or a worker's,
earmark.parallel), so the same inputs give the same output. `cached_frame` hashes all
of that into a key; when a frame is stored under the key it is returned, otherwise the model computes it
and it is stored. A new day of transactions does not change a campaign's pre-treatment training set, so
the uplift fit (minutes at a million users) is reused, and the result is the one a full rebuild computes.

The key covers: the model's name; every input frame (column names, dtypes and the sorted row hashes of
pandas, so row order does not count: the models sort their inputs); the source of every file of the
`earmark` package and of the dbt Python models (`models/**/*.py`); and the versions of Python, numpy,
pandas, scikit-learn and pyarrow. Frames are stored as Parquet under
`<cache_dir>/<model name>/<key>.parquet`, one per model (storing a new key drops the old ones), next to a
small `hits.json` counting reuses per key (what a test checks). A `cache_dir` of None turns caching off.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import sklearn

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # earmark/, this file being earmark/dbt/
DBT_MODELS = PACKAGE_ROOT.parent / "models"


def code_digest() -> str:
    """Hash of the source the models run: the earmark package and the dbt Python models (when present)."""
    digest = hashlib.sha256()
    files = sorted(PACKAGE_ROOT.rglob("*.py"))
    if DBT_MODELS.is_dir():
        files += sorted(DBT_MODELS.rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(PACKAGE_ROOT.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame) -> str:
    """Hash of a frame's columns, dtypes and rows, whatever order the rows come in: DuckDB returns a
    table's rows in no fixed order, and the cached models sort their input before they use it."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(str(len(frame)).encode())
    if len(frame):
        digest.update(np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy()).tobytes())
    return digest.hexdigest()


def cache_key(name: str, inputs: Mapping[str, pd.DataFrame]) -> str:
    """The key of a model's output: see the module doc for what it covers."""
    parts = {
        "model": name,
        "inputs": {label: frame_digest(frame) for label, frame in sorted(inputs.items())},
        "code": code_digest(),
        "versions": [platform.python_version(), np.__version__, pd.__version__, sklearn.__version__],
        "pyarrow": pyarrow.__version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _record_hit(folder: Path, key: str) -> None:
    path = folder / "hits.json"
    hits = json.loads(path.read_text()) if path.exists() else {}
    hits[key] = int(hits.get(key, 0)) + 1
    path.write_text(json.dumps(hits, indent=1, sort_keys=True))


def cached_frame(
    cache_dir: str | Path | None,
    name: str,
    inputs: Mapping[str, pd.DataFrame],
    compute: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """`compute()`, or the frame it returned before for the same inputs and code (see the module doc)."""
    if cache_dir is None:
        return compute()
    folder = Path(cache_dir) / name
    key = cache_key(name, inputs)
    stored = folder / f"{key}.parquet"
    if stored.exists():
        _record_hit(folder, key)
        return pd.read_parquet(stored)
    frame = compute()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    partial = stored.with_suffix(".partial")
    frame.to_parquet(partial, index=False)
    partial.rename(stored)  # a build stopped mid-write never leaves a truncated entry behind
    return frame


def cached_fit(
    cache_dir: str | Path | None,
    name: str,
    inputs: Mapping[str, pd.DataFrame],
    compute: Callable[[], object],
) -> object:
    """`compute()`, or the object (fitted models) it returned before for the same inputs and code, stored
    with pickle as `<cache_dir>/<name>/<key>.pickle`: for a model whose fit is reused while a part of its
    output (scores of today's customers) is recomputed from it on every build. Only Earmark's own build
    writes the cache folder it reads."""
    import pickle

    if cache_dir is None:
        return compute()
    folder = Path(cache_dir) / name
    key = cache_key(name, inputs)
    stored = folder / f"{key}.pickle"
    if stored.exists():
        _record_hit(folder, key)
        return pickle.loads(stored.read_bytes())
    value = compute()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.pickle"):
        old.unlink()
    partial = stored.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    partial.rename(stored)
    return value
