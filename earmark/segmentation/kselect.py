"""Steps 3 and 4: scan the number of clusters k, choose one by a stated rule, fit the final clustering.

Every fit is `KMeans(init='k-means++', n_init=n_init, random_state=random_state)`, on one OpenMP thread
(bitwise identical results on any number of cores).

Sizes: k is chosen on a seeded uniform sample of `scan_sample` rows (every row when there are fewer), and
the chosen k is fitted on a seeded uniform sample of `fit_sample` rows, after which `fit_final` assigns
every row to its nearest center. Equal sizes give the same sample (same seed), so the final fit is then
the scanned one; both default to 50,000. Tolerance: the silhouette that decides k is already an estimate
on a seeded sample of `silhouette_sample` (10,000) rows, so a scan sample of that order looks like a free
saving; but fitting the candidates on fewer rows also lands KMeans in other local optima, and measured,
it moved the chosen k (demo world: 6 on every row, 7 on 10,000 of its 25,046; Mall Customers: 6, and 2
on 150 of its 200; docs/benchmarks.md). So by default the scan is not sampled below the final fit.

The nine silhouettes share their rows (the same seeded sample of the same fitted rows), so `scan_k` fits
every k first and then measures them all in one pass over the pairwise distances (`silhouette_scores`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, pairwise_distances_chunked
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from earmark.parallel import jobs_for, run_tasks

# Memory (MB) per chunk of pairwise distances in the silhouette: sklearn's default 1024 MB makes a
# 10,000-row silhouette cost ~0.8 GB of RSS; 128 MB gives the same value faster, in less memory.
SILHOUETTE_WORKING_MEMORY_MB = 128

SCAN_COLUMNS = (
    "k",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "inertia",
    "fit_rows",
    "silhouette_rows",
)


def sample_rows(n: int, size: int, random_state: int) -> np.ndarray | None:
    """Sorted indices of a seeded uniform sample (without replacement) of `size` of `n` rows, or None
    when n <= size (use every row)."""
    if n <= size:
        return None
    return np.sort(np.random.default_rng(random_state).choice(n, size=size, replace=False))


def _kmeans(k: int, random_state: int, n_init: int) -> KMeans:
    return KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=random_state)


def _single_thread() -> threadpool_limits:
    """KMeans runs on one OpenMP thread: its multi-threaded reduction sums centers in a thread-dependent
    order, so results would differ in the last bits between machines with different core counts; on
    samples of up to 50,000 rows one thread is also faster, and it cannot stall when several dbt models
    share the cores (an oversubscribed OpenMP KMeans measured 10x slower)."""
    return threadpool_limits(limits=1, user_api="openmp")


def _fit(X: np.ndarray, k: int, random_state: int, n_init: int) -> KMeans:
    with _single_thread(), warnings.catch_warnings():
        # Fewer distinct points than k is reported by the metrics (NaN), not as a warning per fit.
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        return _kmeans(k, random_state, n_init).fit(X)


def silhouette_sample_rows(n: int, sample_size: int | None, random_state: int | None) -> np.ndarray | None:
    """The rows sklearn's `silhouette_score(sample_size=, random_state=)` measures, in its order:
    `check_random_state(random_state).permutation(n)[:sample_size]` (scikit-learn 1.9), or None (every
    row, in order) when `sample_size` is None or n <= sample_size, where a sample would only reorder
    them."""
    if sample_size is None or n <= sample_size:
        return None
    return check_random_state(random_state).permutation(n)[:sample_size]


def silhouette_scores(
    X: np.ndarray,
    labelings: Iterable[np.ndarray],
    sample_size: int | None = None,
    random_state: int | None = None,
    working_memory: float = SILHOUETTE_WORKING_MEMORY_MB,
) -> list[float]:
    """The mean silhouette of each labeling of the rows of X (euclidean), like one sklearn
    `silhouette_score(X, labels, sample_size=sample_size, random_state=random_state)` per labeling, but
    with each pairwise distance computed once for all of them.

    Rows: every row when there are at most `sample_size` (or it is None), else the seeded sample sklearn
    draws (`silhouette_sample_rows`), the same rows for every labeling, as sklearn draws for the same
    `random_state` and row count. Clusters are those present among these rows.

    Method: the distances from a chunk of rows to every row (sklearn `pairwise_distances_chunked`, at
    most `working_memory` MB per chunk), times one 0/1 matrix of all labelings' cluster memberships, give
    each row's sum of distances to every cluster of every labeling; then, per labeling, sklearn's
    conventions: a = mean distance to the rest of the own cluster, b = the lowest mean distance to another
    cluster, s = (b - a) / max(a, b), s = 0 for a row alone in its cluster. Raises ValueError, as sklearn
    does, for a labeling with fewer than 2 clusters among the rows, or as many clusters as rows.

    Precision: the distances are sklearn's own; the sums per cluster come from a matrix product instead
    of sklearn's `bincount`, so they are added in another order, and the silhouettes equal sklearn's to
    about 1e-12, not bitwise (measured: within 1e-15 on the demo world). The choice of k compares
    silhouettes with a 1e-12 slack already.
    """
    X = np.asarray(X, dtype="float64")
    labelings = [np.asarray(labels) for labels in labelings]
    if not labelings:
        return []
    n = len(X)
    index = silhouette_sample_rows(n, sample_size, random_state)
    Xs = X if index is None else X[index]
    m = len(Xs)
    codes, sizes = [], []
    for j, labels in enumerate(labelings):
        if labels.shape != (n,):
            raise ValueError(f"labeling {j} has shape {labels.shape}, expected ({n},)")
        classes, code = np.unique(labels if index is None else labels[index], return_inverse=True)
        if not 1 < len(classes) < m:
            raise ValueError(
                f"labeling {j} has {len(classes)} clusters among {m} rows; the silhouette needs 2 to {m - 1}"
            )
        codes.append(code.ravel())
        sizes.append(np.bincount(code.ravel()))
    offsets = np.cumsum([0] + [len(size) for size in sizes])
    # own[i, j]: the column of row i's cluster under labeling j among all labelings' clusters.
    own = np.column_stack(codes) + offsets[:-1]
    members = np.zeros((m, offsets[-1]), dtype="float64")
    members[np.arange(m)[:, None], own] = 1.0
    cluster_sizes = np.concatenate(sizes).astype("float64")
    # Per labeling (rows of these), per row: summed distance to the own cluster, mean to the nearest other.
    intra = np.empty((len(labelings), m))
    inter = np.empty((len(labelings), m))

    def reduce(chunk: np.ndarray, start: int) -> None:
        sums = chunk @ members
        rows = np.arange(len(chunk))[:, None]
        own_chunk = own[start : start + len(chunk)]
        intra[:, start : start + len(chunk)] = sums[rows, own_chunk].T
        sums /= cluster_sizes
        sums[rows, own_chunk] = np.inf
        inter[:, start : start + len(chunk)] = np.minimum.reduceat(sums, offsets[:-1], axis=1).T

    for _ in pairwise_distances_chunked(
        Xs, reduce_func=reduce, metric="euclidean", working_memory=working_memory
    ):
        pass
    scores = []
    for j, (code, size) in enumerate(zip(codes, sizes, strict=True)):
        with np.errstate(divide="ignore", invalid="ignore"):
            a = intra[j] / (size - 1)[code]
            s = (inter[j] - a) / np.maximum(a, inter[j])
        # NaN is a row alone in its cluster (0 / 0): its silhouette is 0.
        scores.append(float(np.mean(np.nan_to_num(s))))
    return scores


def _scan_one(
    X: np.ndarray, k: int, random_state: int, n_init: int
) -> tuple[np.ndarray, float, float, float]:
    """One k of the scan: (labels, inertia, Calinski-Harabasz, Davies-Bouldin); NaN metrics when the fit
    found fewer than 2 distinct clusters."""
    model = _fit(X, k, random_state, n_init)
    labels = model.labels_
    if len(np.unique(labels)) < 2:
        return labels, float(model.inertia_), float("nan"), float("nan")
    return (
        labels,
        float(model.inertia_),
        float(calinski_harabasz_score(X, labels)),
        float(davies_bouldin_score(X, labels)),
    )


def scan_k(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 11),
    random_state: int = 42,
    n_init: int = 10,
    silhouette_sample: int = 10_000,
    scan_sample: int = 50_000,
) -> pd.DataFrame:
    """Fit KMeans for each k and measure the partition: one row per k with columns k, silhouette,
    calinski_harabasz, davies_bouldin, inertia, fit_rows, silhouette_rows.

    Sampling: with more than `scan_sample` rows every k is fitted on the same seeded uniform sample of
    `scan_sample` rows (`sample_rows` with `random_state`; `fit_rows` says how many). Calinski-Harabasz,
    Davies-Bouldin and inertia are measured on the fitted rows; the silhouette on a seeded sample of
    `silhouette_sample` of them when there are more (the rows sklearn `silhouette_score(sample_size=,
    random_state=)` draws; `silhouette_rows` says how many). Every k is fitted first, then all silhouettes
    are measured in one pass (`silhouette_scores`: equal to sklearn's per-k `silhouette_score` to about
    1e-12). A k that yields fewer than 2 distinct clusters gets NaN metrics. Ks are scanned in ascending
    order; k must be >= 2 and below the number of fitted rows.
    """
    X = np.asarray(X, dtype="float64")
    ks = sorted({int(k) for k in k_values})
    if not ks:
        raise ValueError("k_values is empty")
    index = sample_rows(len(X), scan_sample, random_state)
    Xf = X if index is None else X[index]
    n_fit = len(Xf)
    if ks[0] < 2 or ks[-1] >= n_fit:
        raise ValueError(f"k must be between 2 and {n_fit - 1} for {n_fit} fitted rows, got {ks}")
    sil_rows = min(n_fit, silhouette_sample)
    rows, measured = [], []
    # every k is an independent seeded fit: in worker processes on big inputs, the same either way
    tasks = [(_scan_one, (Xf, k, random_state, n_init)) for k in ks]
    for k, (labels, inertia, ch, db) in zip(ks, run_tasks(tasks, jobs_for(n_fit)), strict=True):
        if not np.isnan(ch):
            measured.append((len(rows), labels))
        rows.append(
            {
                "k": k,
                "silhouette": float("nan"),
                "calinski_harabasz": float(ch),
                "davies_bouldin": float(db),
                "inertia": inertia,
                "fit_rows": n_fit,
                "silhouette_rows": sil_rows,
            }
        )
    # Every k's silhouette on the same rows, in one pass over their pairwise distances.
    silhouettes = silhouette_scores(
        Xf, [labels for _, labels in measured], sample_size=silhouette_sample, random_state=random_state
    )
    for (position, _), silhouette in zip(measured, silhouettes, strict=True):
        rows[position]["silhouette"] = silhouette
    return pd.DataFrame(rows, columns=list(SCAN_COLUMNS)).astype(
        {"k": "int64", "fit_rows": "int64", "silhouette_rows": "int64"}
    )


def _tied(scan: pd.DataFrame, tolerance: float) -> tuple[pd.Series, float]:
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    silhouette = scan["silhouette"].astype("float64")
    if silhouette.notna().sum() == 0:
        raise ValueError("no k has a silhouette: nothing to choose from")
    best = float(silhouette.max())
    # A tiny slack so a gap of exactly `tolerance` counts as tied despite floating point.
    return (best - silhouette <= tolerance + 1e-12) & silhouette.notna(), best


def choose_k(scan: pd.DataFrame, tolerance: float = 0.005) -> tuple[int, str]:
    """The chosen k and the rule in words.

    Rule: take the highest silhouette; every k whose silhouette is within `tolerance` of it counts as
    tied, and the smallest tied k wins (parsimony: fewer segments are cheaper to act on). NaN silhouettes
    never count.
    """
    tied, best = _tied(scan, tolerance)
    candidates = scan.loc[tied].sort_values("k")
    chosen = candidates.iloc[0]
    k = int(chosen["k"])
    best_k = int(scan.loc[scan["silhouette"] == best, "k"].min())
    tied_ks = ", ".join(str(int(v)) for v in candidates["k"])
    rule = (
        f"highest silhouette {best:.4f} at k={best_k}; k within {tolerance} of it count as tied "
        f"({tied_ks}) and the smallest tied k wins (fewer segments are cheaper to act on): "
        f"k={k} (silhouette {float(chosen['silhouette']):.4f})"
    )
    return k, rule


def mark_chosen(scan: pd.DataFrame, tolerance: float = 0.005) -> pd.DataFrame:
    """The scan with the choice marked: adds silhouette_gap (best silhouette - this one), tied (within
    `tolerance` of the best) and chosen (the k `choose_k` picks; exactly one row)."""
    tied, best = _tied(scan, tolerance)
    k, _ = choose_k(scan, tolerance)
    marked = scan.copy()
    marked["silhouette_gap"] = best - marked["silhouette"].astype("float64")
    marked["tied"] = tied.to_numpy()
    marked["chosen"] = (marked["k"] == k).to_numpy()
    return marked


def relabel(labels: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters 0..k-1 by descending size, ties broken by the lexicographic order of the
    center coordinates; returns the new labels and the centers in the new order."""
    k = len(centers)
    sizes = np.bincount(labels, minlength=k)
    order = sorted(range(k), key=lambda c: (-int(sizes[c]), tuple(float(v) for v in centers[c])))
    new_id = np.empty(k, dtype="int64")
    new_id[order] = np.arange(k)
    return new_id[labels].astype("int64"), np.asarray(centers, dtype="float64")[order]


def fit_final(
    X: np.ndarray, k: int, random_state: int = 42, n_init: int = 10, fit_sample: int = 50_000
) -> tuple[np.ndarray, np.ndarray]:
    """Fit KMeans with the chosen k and label every row.

    Above `fit_sample` rows the model is fitted on a seeded uniform sample of `fit_sample` rows
    (`sample_rows`; `scan_k` fits on the same rows when its `scan_sample` equals `fit_sample`), then every
    row gets its nearest center (`predict`). Returns (labels, centers): labels int64 0..k-1 per row of X,
    numbered by descending cluster size (ties: lexicographic order of the centers), so the ids do not
    depend on KMeans internals; centers (k x columns of X) in that order, in the space of X.
    """
    X = np.asarray(X, dtype="float64")
    index = sample_rows(len(X), fit_sample, random_state)
    model = _fit(X if index is None else X[index], int(k), random_state, n_init)
    if index is None:
        labels = model.labels_.astype("int64")
    else:
        with _single_thread():
            labels = model.predict(X).astype("int64")
    return relabel(labels, model.cluster_centers_)
