"""What every part of the simulator uses: its random streams, and the Arrow columns and Parquet files.

Each part draws from a stream of its own, derived from the seed by a spawn key listed here in one place, so
that one part's draws never move another part's rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Random streams: one per part of the world, derived from the seed by spawn key.
_S_PEOPLE, _S_TRANSACTIONS, _S_ACTIVITY, _S_CAMPAIGN, _S_CALL, _S_FOLLOWUP = range(6)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of `probs` (n x k, rows summing to one): the index of the category drawn."""
    cum = np.cumsum(probs, axis=1)
    draws = (rng.random(len(probs))[:, None] > cum[:, :-1]).sum(axis=1)
    return draws.astype(np.int8)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Reference strings like 'U000001' from integers, vectorised with pyarrow."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _timestamps(seconds: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, type=pa.timestamp("us"), mask=mask)


def _write(table: pa.Table, path: Path) -> int:
    pq.write_table(table, path, compression="zstd")
    return table.num_rows
