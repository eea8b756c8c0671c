"""Step 7: is the structure worth acting on? Effect sizes per feature and the differentiate/standardize
verdict.

Customers are treated differently only when the clustering is separated (silhouette), stable (the
weakest cluster's bootstrap Jaccard), every segment is big enough to act on (smallest share) and the
segments differ substantially on at least one actionable feature (eta-squared). Failing any one of them,
the verdict is 'standardize': one treatment for everyone is the honest answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DIFFERENTIATE = "differentiate"
STANDARDIZE = "standardize"

EFFECT_COLUMNS = (
    "feature",
    "observed",
    "eta_squared",
    "max_abs_cohens_d",
    "cohens_d_cluster_a",
    "cohens_d_cluster_b",
)
VERDICT_COLUMNS = ("criterion", "value", "threshold", "comparison", "passed", "verdict", "detail")


def _effect(values: np.ndarray, labels: np.ndarray) -> tuple[int, float, float, int | None, int | None]:
    observed = ~np.isnan(values)
    values, labels = values[observed], labels[observed]
    if len(values) < 2:
        return int(observed.sum()), float("nan"), float("nan"), None, None
    grand = values.mean()
    total_ss = float(((values - grand) ** 2).sum())
    clusters, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes).astype("float64")
    means = np.bincount(codes, weights=values) / counts
    within = np.bincount(codes, weights=(values - means[codes]) ** 2)
    variances = np.where(counts > 1, within / np.maximum(counts - 1, 1), 0.0)
    between_ss = float((counts * (means - grand) ** 2).sum())
    eta = between_ss / total_ss if total_ss > 0 else float("nan")
    best, pair = float("nan"), (None, None)
    for i in range(len(clusters)):
        for j in range(i + 1, len(clusters)):
            dof = counts[i] + counts[j] - 2
            if dof <= 0:
                continue
            pooled = np.sqrt(((counts[i] - 1) * variances[i] + (counts[j] - 1) * variances[j]) / dof)
            gap = abs(means[i] - means[j])
            # Two clusters constant at different values are perfectly separated: infinite d.
            d = gap / pooled if pooled > 0 else (float("inf") if gap > 0 else 0.0)
            if np.isnan(best) or d > best:
                best, pair = float(d), (int(clusters[i]), int(clusters[j]))
    return int(observed.sum()), eta, best, pair[0], pair[1]


def effect_sizes(raw: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """How strongly the clusters differ on each feature, on the untransformed values (nulls skipped).

    One row per column of `raw`, in its order: feature, observed (non-null values used), eta_squared
    (between-cluster sum of squares / total sum of squares: the share of the feature's variance the
    clusters explain; Cohen: 0.01 small, 0.06 medium, 0.14 large), max_abs_cohens_d (the largest |Cohen's
    d| between any two clusters, pooled sample sd; inf when two clusters are constant at different values)
    and the pair of clusters it is between (cohens_d_cluster_a < cohens_d_cluster_b).
    """
    labels = np.asarray(labels)
    if len(labels) != len(raw):
        raise ValueError(f"{len(labels)} labels for {len(raw)} rows")
    rows = []
    for name in raw.columns:
        values = raw[name].to_numpy(dtype="float64", na_value=np.nan)
        observed, eta, d, a, b = _effect(values, labels)
        rows.append(
            {
                "feature": str(name),
                "observed": observed,
                "eta_squared": eta,
                "max_abs_cohens_d": d,
                "cohens_d_cluster_a": a,
                "cohens_d_cluster_b": b,
            }
        )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS)).astype(
        {
            "feature": "str",
            "observed": "int64",
            "eta_squared": "float64",
            "max_abs_cohens_d": "float64",
            "cohens_d_cluster_a": "Int64",
            "cohens_d_cluster_b": "Int64",
        }
    )


def best_effect(
    effects: pd.DataFrame, actionable_features: list[str] | None = None
) -> tuple[float, str | None]:
    """The largest eta-squared among the actionable features and its feature (the first in `effects`
    order on a tie). Actionable features are the ones a treatment could act on or be targeted by; the
    caller names them, and by default every feature in `effects` (all kept features) counts. Features
    named but absent from `effects` are ignored; (nan, None) when none remains."""
    candidates = (
        effects if actionable_features is None else effects[effects["feature"].isin(actionable_features)]
    )
    candidates = candidates[candidates["eta_squared"].notna()]
    if candidates.empty:
        return float("nan"), None
    row = candidates.loc[candidates["eta_squared"].idxmax()]
    return float(row["eta_squared"]), str(row["feature"])


@dataclass(frozen=True)
class VerdictThresholds:
    """What 'worth differentiating' requires. min_silhouette 0.25: below it the partition is weak
    (Kaufman & Rousseeuw read < 0.25 as no substantial structure). min_cluster_jaccard 0.75: every cluster
    at least 'stable' by Hennig. min_cluster_share 0.05: no segment smaller than 5% of customers.
    min_effect_size 0.14: a large eta-squared (Cohen) on at least one actionable feature."""

    min_silhouette: float = 0.25
    min_cluster_jaccard: float = 0.75
    min_cluster_share: float = 0.05
    min_effect_size: float = 0.14


def evaluate_verdict(
    silhouette: float,
    min_cluster_jaccard: float,
    smallest_cluster_share: float,
    best_effect_size: float,
    best_effect_feature: str | None,
    thresholds: VerdictThresholds | None = None,
) -> pd.DataFrame:
    """The verdict, one row per criterion and a final 'overall' row.

    Columns: criterion ('silhouette', 'min_cluster_jaccard', 'smallest_cluster_share', 'best_effect_size',
    'overall'), value, threshold, comparison ('>=' for criteria, 'all' for overall), passed, verdict (null on
    criterion rows; 'differentiate' on the overall row only when every criterion passed, else
    'standardize') and detail (the reading in words). A NaN value fails its criterion. On the overall row,
    value is the number of criteria passed and threshold the number of criteria.
    """
    t = thresholds or VerdictThresholds()
    criteria = [
        (
            "silhouette",
            silhouette,
            t.min_silhouette,
            "separation of the chosen clustering (mean silhouette)",
        ),
        (
            "min_cluster_jaccard",
            min_cluster_jaccard,
            t.min_cluster_jaccard,
            "bootstrap stability of the weakest cluster (mean Jaccard)",
        ),
        (
            "smallest_cluster_share",
            smallest_cluster_share,
            t.min_cluster_share,
            "share of customers in the smallest cluster",
        ),
        (
            "best_effect_size",
            best_effect_size,
            t.min_effect_size,
            f"largest eta-squared among actionable features ({best_effect_feature or 'none'})",
        ),
    ]
    rows = []
    for name, value, threshold, what in criteria:
        value = float("nan") if value is None else float(value)
        passed = bool(not np.isnan(value) and value >= threshold)
        shown = "n/a" if np.isnan(value) else f"{value:.4f}"
        rows.append(
            {
                "criterion": name,
                "value": value,
                "threshold": float(threshold),
                "comparison": ">=",
                "passed": passed,
                "verdict": None,
                "detail": f"{what}: {shown} {'>=' if passed else 'is below'} {threshold}",
            }
        )
    n_passed = sum(r["passed"] for r in rows)
    all_passed = n_passed == len(rows)
    failed = [r["criterion"] for r in rows if not r["passed"]]
    rows.append(
        {
            "criterion": "overall",
            "value": float(n_passed),
            "threshold": float(len(rows)),
            "comparison": "all",
            "passed": all_passed,
            "verdict": DIFFERENTIATE if all_passed else STANDARDIZE,
            "detail": (
                "every criterion passed: the segments are distinct, stable and large enough to treat "
                "differently"
                if all_passed
                else f"failed: {', '.join(failed)}; treat customers the same way"
            ),
        }
    )
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS)).astype({"verdict": "str", "passed": "bool"})
