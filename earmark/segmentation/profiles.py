"""Step 8: what each cluster looks like, in tables SQL persona rules and reports can read.

Profiles describe the untransformed features (`FeatureMatrix.raw`), nulls skipped, so a mean is in the
feature's own unit (days, currency, counts), whatever the clustering space was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SIZE_COLUMNS = ("cluster", "customers", "share", "outliers")
PROFILE_COLUMNS = (
    "cluster",
    "feature",
    "customers",
    "observed",
    "mean",
    "median",
    "population_mean",
    "population_sd",
    "z",
)
ASSIGNMENT_COLUMNS = ("cluster", "is_outlier")


def cluster_sizes(
    labels: np.ndarray, is_outlier: np.ndarray | None = None, k: int | None = None
) -> pd.DataFrame:
    """One row per cluster 0..k-1 (k defaults to max label + 1): cluster, customers, share (of all
    customers), outliers (customers of the cluster flagged as outliers; 0 when `is_outlier` is None)."""
    labels = np.asarray(labels).astype("int64")
    k = int(labels.max()) + 1 if k is None else int(k)
    counts = np.bincount(labels, minlength=k)
    flagged = (
        np.bincount(labels, weights=np.asarray(is_outlier, dtype="float64"), minlength=k).astype("int64")
        if is_outlier is not None
        else np.zeros(k, dtype="int64")
    )
    return pd.DataFrame(
        {
            "cluster": np.arange(k, dtype="int64"),
            "customers": counts.astype("int64"),
            "share": counts / max(len(labels), 1),
            "outliers": flagged,
        }
    )


def cluster_profiles(raw: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """The long profile table: one row per cluster x feature (clusters ascending, features in `raw`
    order) with cluster, feature, customers (cluster size), observed (non-null values of the feature in
    the cluster), mean, median, population_mean, population_sd (over all customers, ddof=0) and
    z = (mean - population_mean) / population_sd (NaN when the sd is 0): how far, in population standard
    deviations, the cluster sits from the whole base on the feature.
    """
    labels = np.asarray(labels).astype("int64")
    if len(labels) != len(raw):
        raise ValueError(f"{len(labels)} labels for {len(raw)} rows")
    k = int(labels.max()) + 1 if len(labels) else 0
    sizes = np.bincount(labels, minlength=k)
    frames = []
    for name in raw.columns:
        values = raw[name].to_numpy(dtype="float64", na_value=np.nan)
        observed = ~np.isnan(values)
        population_mean = float(values[observed].mean()) if observed.any() else float("nan")
        population_sd = float(values[observed].std(ddof=0)) if observed.any() else float("nan")
        grouped = pd.Series(values[observed]).groupby(labels[observed])
        stats = pd.DataFrame({"observed": grouped.size(), "mean": grouped.mean(), "median": grouped.median()})
        stats = stats.reindex(np.arange(k))
        frame = pd.DataFrame(
            {
                "cluster": np.arange(k, dtype="int64"),
                "feature": str(name),
                "customers": sizes.astype("int64"),
                "observed": stats["observed"].fillna(0).to_numpy(dtype="int64"),
                "mean": stats["mean"].to_numpy(dtype="float64"),
                "median": stats["median"].to_numpy(dtype="float64"),
                "population_mean": population_mean,
                "population_sd": population_sd,
            }
        )
        frame["z"] = (frame["mean"] - population_mean) / population_sd if population_sd > 0 else np.nan
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    long = pd.concat(frames, ignore_index=True)
    return long.sort_values(["cluster"], kind="mergesort").reset_index(drop=True)[list(PROFILE_COLUMNS)]


def cluster_assignments(
    ids: np.ndarray,
    labels: np.ndarray,
    is_outlier: np.ndarray | None = None,
    id_column: str = "customer_id",
) -> pd.DataFrame:
    """One row per customer, in id order: the id column, cluster, is_outlier (False when not given)."""
    labels = np.asarray(labels).astype("int64")
    if len(ids) != len(labels):
        raise ValueError(f"{len(labels)} labels for {len(ids)} ids")
    flags = np.zeros(len(labels), dtype=bool) if is_outlier is None else np.asarray(is_outlier, dtype=bool)
    return pd.DataFrame({id_column: np.asarray(ids), "cluster": labels, "is_outlier": flags})
