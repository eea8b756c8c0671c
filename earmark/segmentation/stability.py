"""Step 5: are the clusters stable? Bootstrap stability after Hennig's clusterboot.

Hennig (2007), "Cluster-wise assessment of cluster stability": redraw the data with replacement,
recluster, and for every original cluster find the most similar new cluster by the Jaccard coefficient on
the points both partitions share. A cluster that keeps dissolving is not a real feature of the data.
Hennig's reading of the mean Jaccard: >= 0.85 highly stable, >= 0.75 stable, >= 0.6 doubtful (the cluster
points at some pattern but which points belong is unclear), below that not to be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from earmark.parallel import jobs_for, run_tasks
from earmark.segmentation.kselect import _fit

READINGS: tuple[tuple[float, str], ...] = (
    (0.85, "highly stable"),
    (0.75, "stable"),
    (0.6, "doubtful"),
)
NOT_TRUSTED = "not to be trusted"


def hennig_reading(jaccard: float) -> str:
    """Hennig's reading of a cluster's mean bootstrap Jaccard."""
    if jaccard is None or np.isnan(jaccard):
        return NOT_TRUSTED
    for threshold, text in READINGS:
        if jaccard >= threshold:
            return text
    return NOT_TRUSTED


@dataclass
class StabilityResult:
    """Bootstrap stability of a clustering.

    per_cluster: cluster, mean_jaccard, min_jaccard, resamples (resamples in which the cluster had
        members), reading (Hennig's words).
    per_resample: one row per resample x cluster: resample (0-based), cluster, jaccard (NaN when the
        cluster had no member in that resample), ari (that resample's adjusted Rand index).
    mean_ari: mean adjusted Rand index between the reference labels and each resample's labels on the
        resampled points.
    min_cluster_jaccard: the smallest per-cluster mean Jaccard (the weakest cluster); a cluster that had no
        member in any resample counts as 0.
    n_resamples, sample_size: how many bootstrap draws, of how many rows each.
    """

    per_cluster: pd.DataFrame
    per_resample: pd.DataFrame
    mean_ari: float
    min_cluster_jaccard: float
    n_resamples: int
    sample_size: int


def _resample_agreement(
    X: np.ndarray, labels: np.ndarray, k: int, seed: np.random.SeedSequence, size: int, n_init: int
) -> tuple[np.ndarray, float]:
    """One resample (see bootstrap_stability): each reference cluster's best Jaccard similarity (NaN for
    a cluster with no drawn member) and the adjusted Rand index, on the distinct drawn rows."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(X), size=size)
    fit_seed = int(rng.integers(0, 2**31 - 1))
    model = _fit(X[drawn], k, fit_seed, n_init)
    distinct, first = np.unique(drawn, return_index=True)
    reference = labels[distinct]
    resampled = model.labels_[first].astype("int64")
    table = np.zeros((k, k), dtype="int64")
    np.add.at(table, (reference, resampled), 1)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.where(union > 0, table / np.maximum(union, 1), 0.0)
    present = table.sum(axis=1) > 0
    jaccard = np.full(k, np.nan)
    jaccard[present] = similarity[present].max(axis=1)
    return jaccard, float(adjusted_rand_score(reference, resampled))


def bootstrap_stability(
    X: np.ndarray,
    labels: np.ndarray,
    k: int,
    n_resamples: int = 20,
    random_state: int = 42,
    n_init: int = 10,
    max_points: int = 20_000,
) -> StabilityResult:
    """Clusterboot-style stability of `labels` (clusters 0..k-1 of the rows of X).

    Each resample b draws min(n, max_points) rows with replacement (seeded from `random_state` and b),
    fits KMeans(k, k-means++, n_init) on them (duplicates included, as in clusterboot), and compares on the
    distinct drawn rows: for each reference cluster c, the Jaccard similarity between c's drawn members
    and the best-matching resample cluster, and the adjusted Rand index of the two labelings. A reference
    cluster with no drawn member in a resample gets no value for it. Above `max_points` rows, each
    resample is a bootstrap of max_points rows (a subsampled bootstrap), which keeps the cost independent
    of the number of customers.
    """
    X = np.asarray(X, dtype="float64")
    labels = np.asarray(labels).astype("int64")
    n = len(X)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} rows")
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= k:
        raise ValueError(f"labels must be cluster ids 0..{k - 1}")
    if n_resamples < 1:
        raise ValueError("n_resamples must be >= 1")
    size = min(n, max_points)
    children = np.random.SeedSequence(random_state).spawn(n_resamples)
    # every resample is an independent seeded fit: in worker processes on big inputs, the same either way
    tasks = [(_resample_agreement, (X, labels, k, child, size, n_init)) for child in children]
    agreements = run_tasks(tasks, jobs_for(size))
    jaccard = np.vstack([row for row, _ in agreements])
    ari = np.array([value for _, value in agreements], dtype="float64")

    clusters = np.arange(k)
    counted = (~np.isnan(jaccard)).sum(axis=0)
    mean_j = np.array([np.nanmean(jaccard[:, c]) if counted[c] else np.nan for c in clusters])
    min_j = np.array([np.nanmin(jaccard[:, c]) if counted[c] else np.nan for c in clusters])
    per_cluster = pd.DataFrame(
        {
            "cluster": clusters.astype("int64"),
            "mean_jaccard": mean_j,
            "min_jaccard": min_j,
            "resamples": counted.astype("int64"),
            "reading": [hennig_reading(v) for v in mean_j],
        }
    )
    per_resample = pd.DataFrame(
        {
            "resample": np.repeat(np.arange(n_resamples), k).astype("int64"),
            "cluster": np.tile(clusters, n_resamples).astype("int64"),
            "jaccard": jaccard.reshape(-1),
            "ari": np.repeat(ari, k),
        }
    )
    return StabilityResult(
        per_cluster=per_cluster,
        per_resample=per_resample,
        mean_ari=float(ari.mean()),
        min_cluster_jaccard=float(np.nan_to_num(mean_j, nan=0.0).min()),
        n_resamples=n_resamples,
        sample_size=size,
    )
