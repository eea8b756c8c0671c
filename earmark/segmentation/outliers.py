"""Step 6: customers who belong to no dense region (DBSCAN noise), flagged rather than forced into a
segment.

eps is data-driven: the `eps_percentile`-th percentile of every point's distance to its `min_samples`-th
nearest neighbour, the point itself counted (the usual k-distance heuristic with k = min_samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.neighbors import NearestNeighbors

from earmark.segmentation.kselect import sample_rows

# Core subsets tried before all cores when assigning the rows DBSCAN did not see (see _near_a_core).
CORE_CASCADE: tuple[int, ...] = (2_000, 8_000)


def _near_a_core(points: np.ndarray, cores: np.ndarray, eps: float, random_state: int) -> np.ndarray:
    """Whether each point lies within eps of at least one core point (exact).

    A point within eps of any core of a subset is settled, so the check runs against growing seeded
    subsets of the cores (CORE_CASCADE, then all of them), each time only for the points still unsettled:
    most points sit in dense regions and are settled by the first, small subset.
    """
    near = np.zeros(len(points), dtype=bool)
    if len(cores) == 0 or len(points) == 0:
        return near
    order = np.random.default_rng(random_state).permutation(len(cores))
    open_ = np.arange(len(points))
    for size in (*[s for s in CORE_CASCADE if s < len(cores)], len(cores)):
        subset = cores[np.sort(order[:size])]
        distance, _ = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(subset).kneighbors(points[open_])
        hit = distance[:, 0] <= eps
        near[open_[hit]] = True
        open_ = open_[~hit]
        if len(open_) == 0:
            break
    return near


@dataclass
class OutlierResult:
    """is_outlier: one bool per row of X. eps: the radius used. rows_fitted: rows DBSCAN ran on (and eps
    was measured on). n_outliers: is_outlier.sum(). min_samples, eps_percentile: the parameters."""

    is_outlier: np.ndarray
    eps: float
    rows_fitted: int
    n_outliers: int
    min_samples: int
    eps_percentile: float


def dbscan_outliers(
    X: np.ndarray,
    min_samples: int = 4,
    eps_percentile: float = 90,
    sample_size: int = 20_000,
    random_state: int = 42,
) -> OutlierResult:
    """Flag DBSCAN noise points.

    With n <= sample_size rows: eps from the k-distance percentile over all rows, DBSCAN(eps,
    min_samples) on all rows, outliers = its noise points. With more rows, eps and DBSCAN use a seeded
    uniform sample of `sample_size` rows (the sample's noise points are outliers) and every other row is an
    inlier iff its distance to the nearest core sample is <= eps, which is exactly how DBSCAN admits a
    border point. The cost is one DBSCAN on sample_size rows plus one nearest-core query per row, so a
    million customers take seconds to a minute instead of a full-data DBSCAN's quadratic neighbourhoods.
    """
    X = np.asarray(X, dtype="float64")
    n = len(X)
    if min_samples < 2:
        raise ValueError("min_samples must be >= 2")
    index = sample_rows(n, sample_size, random_state)
    Xs = X if index is None else X[index]
    if len(Xs) <= min_samples:
        raise ValueError(f"DBSCAN needs more than min_samples={min_samples} rows, got {len(Xs)}")
    distances, _ = NearestNeighbors(n_neighbors=min_samples).fit(Xs).kneighbors(Xs)
    eps = float(np.percentile(distances[:, min_samples - 1], eps_percentile))
    if eps <= 0:
        # More than eps_percentile% of points have min_samples exact duplicates: use the smallest positive
        # k-distance so DBSCAN has a radius at all.
        positive = distances[:, min_samples - 1][distances[:, min_samples - 1] > 0]
        eps = float(positive.min()) if len(positive) else 1e-12
    model = DBSCAN(eps=eps, min_samples=min_samples).fit(Xs)
    noise = model.labels_ == -1
    if index is None:
        is_outlier = noise
    else:
        is_outlier = np.zeros(n, dtype=bool)
        rest = np.ones(n, dtype=bool)
        rest[index] = False
        is_outlier[index] = noise
        is_outlier[rest] = ~_near_a_core(X[rest], Xs[model.core_sample_indices_], eps, random_state)
    return OutlierResult(
        is_outlier=np.asarray(is_outlier, dtype=bool),
        eps=eps,
        rows_fitted=len(Xs),
        n_outliers=int(is_outlier.sum()),
        min_samples=min_samples,
        eps_percentile=float(eps_percentile),
    )
