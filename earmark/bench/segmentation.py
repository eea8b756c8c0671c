"""Benchmark of `segment()` on synthetic customers: wall time and memory per step.

`synthetic_customers` draws N customers from a few latent segments of unequal size, each with its own
typical level of every behaviour, then adds individual noise: money and counts are lognormal (skewed, as
real spend and usage are), rates are logistic-normal in (0, 1), and 2% of the usage values are missing.
So there is structure to find, blurred the way real data blurs it. Ids are text and the rows shuffled,
which exercises the id sort.

Time is wall seconds and process CPU seconds (user + system, all threads; on a machine shared with other
work the CPU seconds are the steadier figure). Memory is measured two ways per step, both as resident set
size (RSS) of the whole process, so numpy, scikit-learn and OpenMP buffers count (tracemalloc would see
only Python allocations):
- peak_rss_mb: the highest RSS seen while the step ran, sampled from /proc/self/statm every 5 ms (a
  spike shorter than that can be missed);
- high_water_mb: the process high-water mark after the step (`resource.getrusage(RUSAGE_SELF).ru_maxrss`),
  and high_water_delta_mb, how much the step raised it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd

from earmark.segmentation.config import FeatureConfig
from earmark.segmentation.pipeline import SegmentationResult, segment

BEHAVIOURS: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure_days",
    "sessions_30d",
    "actions_30d",
    "active_minutes_30d",
    "cancellation_rate",
    "repeat_rate",
)
USAGE = ("sessions_30d", "actions_30d", "active_minutes_30d")
SEGMENT_SHARES: tuple[float, ...] = (0.34, 0.26, 0.18, 0.14, 0.08)


def feature_names(n_features: int) -> list[str]:
    """The synthetic feature names: the ten behaviours, then behaviour_11, behaviour_12, ..."""
    return [BEHAVIOURS[j] if j < len(BEHAVIOURS) else f"behaviour_{j + 1}" for j in range(n_features)]


def synthetic_customers(n_customers: int, n_features: int = 10, seed: int = 42) -> pd.DataFrame:
    """A seeded frame of `n_customers` rows: customer_id (text, shuffled order) and `n_features`
    behaviour-like columns (see the module doc)."""
    if n_features < 2:
        raise ValueError("n_features must be >= 2")
    rng = np.random.default_rng(seed)
    names = feature_names(n_features)
    segments = rng.choice(len(SEGMENT_SHARES), size=n_customers, p=np.array(SEGMENT_SHARES))
    # Latent level of each segment on each behaviour, in standard deviations of the individual noise.
    levels = rng.normal(0.0, 1.6, size=(len(SEGMENT_SHARES), n_features))
    noise = rng.standard_normal((n_customers, n_features))
    latent = levels[segments] + noise
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        z = latent[:, j]
        if name.endswith("_rate"):
            values = 1.0 / (1.0 + np.exp(-(z - 1.5)))
        elif name in ("frequency", "sessions_30d", "actions_30d"):
            values = np.floor(np.exp(1.5 + 0.6 * z))
        else:
            values = np.round(np.exp(3.5 + 0.7 * z), 2)
        if name in USAGE:
            values[rng.random(n_customers) < 0.02] = np.nan
        columns[name] = values
    frame = pd.DataFrame(columns)
    frame.insert(0, "customer_id", np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 9)))
    return frame.iloc[rng.permutation(n_customers)].reset_index(drop=True)


def synthetic_config(n_features: int = 10) -> FeatureConfig:
    """Every synthetic feature, money and counts log-transformed, standard scaler."""
    names = feature_names(n_features)
    return FeatureConfig(
        features=names, log_features=[n for n in names if not n.endswith("_rate")], scaler="standard"
    )


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _high_water_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


class StepRecorder:
    """A `segment(step_hook=...)` hook recording wall seconds and memory per step."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.rows: list[dict[str, object]] = []

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        peak = [_rss_bytes()]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(self.interval):
                peak[0] = max(peak[0], _rss_bytes())

        watcher = threading.Thread(target=sample, daemon=True)
        high_before = _high_water_bytes()
        cpu_start = time.process_time()
        start = time.perf_counter()
        watcher.start()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start
            stop.set()
            watcher.join()
            peak[0] = max(peak[0], _rss_bytes())
            high_after = _high_water_bytes()
            self.rows.append(
                {
                    "step": step,
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "peak_rss_mb": peak[0] / 2**20,
                    "high_water_mb": high_after / 2**20,
                    "high_water_delta_mb": (high_after - high_before) / 2**20,
                }
            )

    def table(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows)
        total = {
            "step": "total",
            "seconds": frame["seconds"].sum(),
            "cpu_seconds": frame["cpu_seconds"].sum(),
            "peak_rss_mb": frame["peak_rss_mb"].max(),
            "high_water_mb": frame["high_water_mb"].max(),
            "high_water_delta_mb": frame["high_water_delta_mb"].sum(),
        }
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def run_benchmark(
    n_customers: int, n_features: int = 10, seed: int = 42, **segment_args: object
) -> tuple[pd.DataFrame, SegmentationResult, float]:
    """Generate the synthetic frame, run `segment` with its defaults (overridable by `segment_args`)
    under a `StepRecorder`; return the step table, the result and the seconds spent generating."""
    start = time.perf_counter()
    frame = synthetic_customers(n_customers, n_features, seed)
    generate_seconds = time.perf_counter() - start
    recorder = StepRecorder()
    result = segment(frame, synthetic_config(n_features), step_hook=recorder, **segment_args)
    return recorder.table(), result, generate_seconds


def format_report(
    n_customers: int,
    n_features: int,
    table: pd.DataFrame,
    result: SegmentationResult,
    generate_seconds: float,
) -> str:
    """The benchmark table and the headline outcome as text."""
    lines = [
        f"segment() on {n_customers:,} synthetic customers x {n_features} features "
        f"(generated in {generate_seconds:.1f} s; {os.cpu_count()} CPUs; memory is process RSS; load "
        f"average at the end {os.getloadavg()[0]:.2f})",
        f"{'step':<12} {'seconds':>9} {'CPU s':>8} {'peak RSS MB':>12} {'high-water MB':>14} "
        f"{'raised by MB':>13}",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.step:<12} {row.seconds:>9.2f} {row.cpu_seconds:>8.2f} {row.peak_rss_mb:>12.0f} "
            f"{row.high_water_mb:>14.0f} {row.high_water_delta_mb:>13.0f}"
        )
    stability = result.stability
    lines.append(
        f"k={result.k} ({result.k_rule}); PCA: {result.pca.rule}; min cluster Jaccard "
        f"{stability.min_cluster_jaccard:.3f}, mean ARI {stability.mean_ari:.3f}; outliers "
        f"{result.outliers.n_outliers:,} (DBSCAN on {result.outliers.rows_fitted:,} rows); verdict "
        f"{result.decision}"
    )
    return "\n".join(lines)
