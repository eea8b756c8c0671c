"""What the thin dbt Python models in models/intermediate/segmentation share: the clustering space, built
once from the run parameters (int_segmentation_space) and read back by every later model, so each model
runs one step of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from earmark.dbt.model_io import empty_frame
from earmark.segmentation.config import FeatureConfig, parse_list
from earmark.segmentation.features import FeatureMatrix, TooFewFeatures, build_feature_matrix
from earmark.segmentation.kselect import choose_k, fit_final, mark_chosen, scan_k
from earmark.segmentation.outliers import dbscan_outliers
from earmark.segmentation.pca import PcaDiagnostics, pca_diagnostics, project
from earmark.segmentation.profiles import cluster_assignments, cluster_profiles
from earmark.segmentation.stability import bootstrap_stability
from earmark.segmentation.verdict import VerdictThresholds, best_effect, effect_sizes, evaluate_verdict


@dataclass
class ClusteringSpace:
    """The feature matrix, its PCA diagnostics and the matrix clustering runs on."""

    features: FeatureMatrix
    pca: PcaDiagnostics
    X: np.ndarray


def feature_config(params: dict[str, Any]) -> FeatureConfig:
    return FeatureConfig.from_vars(
        params["segmentation_features"],
        params["segmentation_derived"],
        params["segmentation_log_features"],
        params["segmentation_scaler"],
    )


def clustering_space(customers: pd.DataFrame, params: dict[str, Any]) -> ClusteringSpace:
    """Feature matrix -> PCA rule -> clustering matrix, exactly as every segmentation model sees it."""
    features = build_feature_matrix(customers, feature_config(params))
    pca = pca_diagnostics(
        features.X,
        features.feature_names,
        variance_target=float(params["segmentation_pca_variance_target"]),
        random_state=int(params["segmentation_seed"]),
    )
    return ClusteringSpace(features=features, pca=pca, X=project(features.X, pca))


def clustering_space_or_none(customers: pd.DataFrame, params: dict[str, Any]) -> ClusteringSpace | None:
    """The clustering space, or None when the input has fewer than two usable features (for example an
    input with neither transactions nor numeric attributes): the models then report 'not estimable'."""
    try:
        return clustering_space(customers, params)
    except TooFewFeatures:
        return None


# ---------------------------------------------------------------------------------------------------------
# The clustering space as a table (int_segmentation_space), one row per customer in id order. Its columns
# are named by prefix, so the feature names (any column of int_customer_features) never collide with the
# fixed ones: the scaled features (the PCA's input, and the clustering matrix when clustering runs on the
# features), the component scores (the clustering matrix when it runs on components; absent otherwise), the
# unscaled values (what profiles and effect sizes describe) and the two chart coordinates. DuckDB stores
# float64 exactly, so the matrices read back are the ones built.

SCALED_PREFIX = "scaled__"
COMPONENT_PREFIX = "component__"
RAW_PREFIX = "raw__"

# the table when segmentation is not estimable (fewer than 2 usable features): no feature columns, no rows
EMPTY_SPACE_COLUMNS = {"customer_id": "str", "pc1": "float64", "pc2": "float64"}


@dataclass
class StoredSpace:
    """The clustering space as read back from int_segmentation_space, rows in customer_id order.

    ids: customer ids, sorted ascending (as `build_feature_matrix` sorts them).
    scaled: the scaled feature matrix (customers x features). X: the matrix clustering runs on.
    feature_names: the kept features, in configuration order. raw: their unscaled values (nulls NaN),
        RangeIndex 0..n-1. pc1, pc2: the chart coordinates. clustered_on: 'components' or 'features'.
    """

    ids: np.ndarray
    scaled: np.ndarray
    X: np.ndarray
    feature_names: list[str]
    raw: pd.DataFrame
    pc1: np.ndarray
    pc2: np.ndarray
    clustered_on: str


def _named(columns: list[str], prefix: str) -> list[str]:
    return [column[len(prefix) :] for column in columns if column.startswith(prefix)]


def _matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Columns of the space table as the C-ordered float64 array the build made, so every later
    computation (means, matrix products, KMeans) sees the same memory layout and gives the same bits."""
    return np.ascontiguousarray(frame[columns].to_numpy(dtype="float64"))


def read_space(table: pd.DataFrame) -> StoredSpace | None:
    """int_segmentation_space as arrays, or None when it is empty (segmentation not estimable). Rows are
    sorted by customer_id (stable sort, as `build_feature_matrix` sorts), whatever order DuckDB returns."""
    if table.empty:
        return None
    table = table.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    names = _named(list(table.columns), SCALED_PREFIX)
    components = _named(list(table.columns), COMPONENT_PREFIX)
    scaled = _matrix(table, [SCALED_PREFIX + name for name in names])
    raw = pd.DataFrame(
        {name: table[RAW_PREFIX + name].to_numpy(dtype="float64", na_value=np.nan) for name in names},
        columns=names,
    )
    return StoredSpace(
        ids=table["customer_id"].to_numpy(),
        scaled=scaled,
        X=_matrix(table, [COMPONENT_PREFIX + c for c in components]) if components else scaled,
        feature_names=names,
        raw=raw,
        pc1=table["pc1"].to_numpy(dtype="float64"),
        pc2=table["pc2"].to_numpy(dtype="float64"),
        clustered_on="components" if components else "features",
    )


def verdict_thresholds(params: dict[str, Any]) -> VerdictThresholds:
    return VerdictThresholds(
        min_silhouette=float(params["verdict_min_silhouette"]),
        min_cluster_jaccard=float(params["verdict_min_cluster_jaccard"]),
        min_cluster_share=float(params["verdict_min_cluster_share"]),
        min_effect_size=float(params["verdict_min_effect_size"]),
    )


def labels_for(ids: np.ndarray, assignments: pd.DataFrame) -> np.ndarray:
    """Cluster labels from int_segmentation_assignments aligned to the feature matrix's id order."""
    by_id = assignments.set_index("customer_id")["cluster_id"]
    return by_id.reindex(ids).to_numpy(dtype="int64")


# ---------------------------------------------------------------------------------------------------------
# One function per segmentation model: (its inputs as frames, the run parameters) -> its table. The space
# is built from int_customer_features once (space_table); every later model reads it back (read_space). The
# dbt models only fetch the frames; an input too thin to cluster gives the typed empty table (or, for the
# verdict, standardize with the reason).

PCA_COLUMNS = {
    "pca_loading_id": "str",
    "component": "int64",
    "feature": "str",
    "loading": "float64",
    "explained_variance_ratio": "float64",
    "cumulative_variance": "float64",
    "components_used": "int64",
    "used_for_clustering": "bool",
    "rule": "str",
}

K_SCAN_COLUMNS = {
    "k": "int64",
    "silhouette": "float64",
    "calinski_harabasz": "float64",
    "davies_bouldin": "float64",
    "inertia": "float64",
    "fit_rows": "int64",
    "silhouette_rows": "int64",
    "clustered_on": "str",
    "dimensions": "int64",
    "is_chosen": "bool",
    "selection_rule": "str",
}

ASSIGNMENT_COLUMNS = {
    "customer_id": "str",
    "cluster_id": "int64",
    "is_outlier": "bool",
    "pc1": "float64",
    "pc2": "float64",
    "outlier_eps": "float64",
}

STABILITY_COLUMNS = {
    "cluster_id": "int64",
    "mean_jaccard": "float64",
    "min_jaccard": "float64",
    "resamples": "int64",
    "stability_reading": "str",
    "mean_ari": "float64",
    "sample_size": "int64",
}

PROFILE_COLUMNS = {
    "cluster_feature_id": "str",
    "cluster_id": "int64",
    "feature": "str",
    "cluster_mean": "float64",
    "cluster_median": "float64",
    "population_mean": "float64",
    "population_sd": "float64",
    "z": "float64",
}

VERDICT_COLUMNS = ["criterion", "value", "threshold", "passed", "verdict", "detail"]


def space_table(customers: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The clustering space, one row per customer in id order: customer_id, pc1, pc2 (the first two
    principal component scores, for charts), scaled__<feature>, component__<i> when clustering runs on
    components, raw__<feature>. Only customer_id, pc1 and pc2, and no rows, when not estimable."""
    space = clustering_space_or_none(customers, params)
    if space is None:
        return empty_frame(EMPTY_SPACE_COLUMNS)
    features, pca = space.features, space.pca
    # first two principal components of the scaled features, for scatter plots
    scores = (features.X - pca.mean) @ pca.loadings.to_numpy().T
    columns: dict[str, Any] = {
        "customer_id": features.ids,
        "pc1": scores[:, 0],
        "pc2": scores[:, 1] if scores.shape[1] > 1 else 0.0,
    }
    for position, name in enumerate(features.feature_names):
        columns[SCALED_PREFIX + name] = features.X[:, position]
    if pca.use_components:
        for position in range(space.X.shape[1]):
            columns[f"{COMPONENT_PREFIX}{position + 1}"] = space.X[:, position]
    for name in features.feature_names:
        columns[RAW_PREFIX + name] = features.raw[name].to_numpy(dtype="float64")
    return pd.DataFrame(columns)


def pca_table(space: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Loadings and explained variance per component, and the rule deciding whether clustering uses them:
    the PCA refitted on the stored scaled features (the same matrix, so the same loadings and rule)."""
    stored = read_space(space)
    if stored is None:
        return empty_frame(PCA_COLUMNS)
    pca = pca_diagnostics(
        stored.scaled,
        stored.feature_names,
        variance_target=float(params["segmentation_pca_variance_target"]),
        random_state=int(params["segmentation_seed"]),
    )
    table = pca.loadings_frame().merge(pca.to_frame(), on="component")
    table["components_used"] = pca.n_components_for_target if pca.use_components else 0
    table["rule"] = pca.rule
    table.insert(0, "pca_loading_id", table["component"].astype(str) + ":" + table["feature"])
    return table[list(PCA_COLUMNS)]


def k_scan_table(space: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """KMeans metrics for every k in the configured range, and the k the stated tie rule chooses."""
    stored = read_space(space)
    if stored is None:
        return empty_frame(K_SCAN_COLUMNS)
    tolerance = float(params["segmentation_k_tolerance"])
    k_max = min(int(params["segmentation_k_max"]), len(stored.X) - 1)
    scan = scan_k(
        stored.X,
        range(int(params["segmentation_k_min"]), k_max + 1),
        random_state=int(params["segmentation_seed"]),
        n_init=int(params["segmentation_n_init"]),
        silhouette_sample=int(params["segmentation_silhouette_sample"]),
        scan_sample=int(params["segmentation_scan_sample"]),
    )
    marked = mark_chosen(scan, tolerance)
    _, rule = choose_k(scan, tolerance)
    marked["is_chosen"] = marked["chosen"]
    marked["selection_rule"] = rule
    marked["clustered_on"] = stored.clustered_on
    marked["dimensions"] = stored.X.shape[1]
    return marked[list(K_SCAN_COLUMNS)]


def assignment_table(space: pd.DataFrame, scan: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The final clustering at the chosen k, DBSCAN outlier flags, and two PCA coordinates for charts."""
    stored = read_space(space)
    if stored is None or scan.empty:
        return empty_frame(ASSIGNMENT_COLUMNS)
    k = int(scan.loc[scan["is_chosen"], "k"].iloc[0])
    seed = int(params["segmentation_seed"])
    labels, _ = fit_final(
        stored.X,
        k,
        random_state=seed,
        n_init=int(params["segmentation_n_init"]),
        fit_sample=int(params["segmentation_fit_sample"]),
    )
    outliers = dbscan_outliers(
        stored.X,
        min_samples=int(params["outlier_min_samples"]),
        eps_percentile=float(params["outlier_eps_percentile"]),
        sample_size=int(params["outlier_sample"]),
        random_state=seed,
    )
    table = cluster_assignments(stored.ids, labels, outliers.is_outlier)
    table = table.rename(columns={"cluster": "cluster_id"})
    table["pc1"] = stored.pc1
    table["pc2"] = stored.pc2
    table["outlier_eps"] = outliers.eps
    return table


def stability_table(space: pd.DataFrame, assignments: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match."""
    stored = read_space(space)
    if stored is None or assignments.empty:
        return empty_frame(STABILITY_COLUMNS)
    labels = labels_for(stored.ids, assignments)
    k = int(labels.max()) + 1
    result = bootstrap_stability(
        stored.X,
        labels,
        k,
        n_resamples=int(params["segmentation_resamples"]),
        random_state=int(params["segmentation_seed"]),
        n_init=int(params["segmentation_n_init"]),
        max_points=int(params["segmentation_stability_sample"]),
    )
    table = result.per_cluster.rename(columns={"cluster": "cluster_id", "reading": "stability_reading"})
    table["mean_ari"] = result.mean_ari
    table["sample_size"] = result.sample_size
    return table


def profile_table(space: pd.DataFrame, assignments: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Per cluster and feature: mean, median, the base's mean and sd, and the standardised difference z."""
    stored = read_space(space)
    if stored is None or assignments.empty:
        return empty_frame(PROFILE_COLUMNS)
    labels = labels_for(stored.ids, assignments)
    table = cluster_profiles(stored.raw, labels)
    table = table.rename(
        columns={"cluster": "cluster_id", "mean": "cluster_mean", "median": "cluster_median"}
    )
    table.insert(0, "cluster_feature_id", table["cluster_id"].astype(str) + ":" + table["feature"])
    return table[list(PROFILE_COLUMNS)]


def verdict_table(
    space: pd.DataFrame,
    assignments: pd.DataFrame,
    scan: pd.DataFrame,
    stability: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Every verdict criterion against its threshold, then differentiate or standardize."""
    stored = read_space(space)
    if stored is None or assignments.empty:
        # not estimable: every criterion fails on a missing value, so the verdict is standardize
        nan = float("nan")
        verdict = evaluate_verdict(nan, nan, nan, nan, None, verdict_thresholds(params))
        verdict["detail"] = verdict["detail"] + " (not estimable: fewer than 2 usable features)"
        return verdict[VERDICT_COLUMNS]
    labels = labels_for(stored.ids, assignments)
    silhouette = float(scan.loc[scan["is_chosen"], "silhouette"].iloc[0])
    shares = [(labels == cluster).mean() for cluster in range(int(labels.max()) + 1)]
    actionable = params["segmentation_actionable_features"]
    effect, feature = best_effect(
        effect_sizes(stored.raw, labels), None if actionable is None else parse_list(actionable)
    )
    verdict = evaluate_verdict(
        silhouette,
        float(stability["mean_jaccard"].fillna(0.0).min()),
        float(min(shares)),
        effect,
        feature,
        verdict_thresholds(params),
    )
    return verdict[VERDICT_COLUMNS]
