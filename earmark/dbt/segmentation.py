"""What the thin dbt Python models in models/intermediate/segmentation share: rebuilding the same clustering
space from the run parameters, so each model runs one step of the pipeline."""

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

    @property
    def clustered_on(self) -> str:
        return "components" if self.pca.use_components else "features"


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
# One function per segmentation model: (its inputs as frames, the run parameters) -> its table. The dbt
# models only fetch the frames; an input too thin to cluster gives the typed empty table (or, for the
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


def pca_table(customers: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Loadings and explained variance per component, and the rule deciding whether clustering uses them."""
    space = clustering_space_or_none(customers, params)
    if space is None:
        return empty_frame(PCA_COLUMNS)
    pca = space.pca
    table = pca.loadings_frame().merge(pca.to_frame(), on="component")
    table["components_used"] = pca.n_components_for_target if pca.use_components else 0
    table["rule"] = pca.rule
    table.insert(0, "pca_loading_id", table["component"].astype(str) + ":" + table["feature"])
    return table[list(PCA_COLUMNS)]


def k_scan_table(customers: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """KMeans metrics for every k in the configured range, and the k the stated tie rule chooses."""
    space = clustering_space_or_none(customers, params)
    if space is None:
        return empty_frame(K_SCAN_COLUMNS)
    tolerance = float(params["segmentation_k_tolerance"])
    k_max = min(int(params["segmentation_k_max"]), len(space.X) - 1)
    scan = scan_k(
        space.X,
        range(int(params["segmentation_k_min"]), k_max + 1),
        random_state=int(params["segmentation_seed"]),
        n_init=int(params["segmentation_n_init"]),
        silhouette_sample=int(params["segmentation_silhouette_sample"]),
        fit_sample=int(params["segmentation_fit_sample"]),
    )
    marked = mark_chosen(scan, tolerance)
    _, rule = choose_k(scan, tolerance)
    marked["is_chosen"] = marked["chosen"]
    marked["selection_rule"] = rule
    marked["clustered_on"] = space.clustered_on
    marked["dimensions"] = space.X.shape[1]
    return marked[list(K_SCAN_COLUMNS)]


def assignment_table(customers: pd.DataFrame, scan: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The final clustering at the chosen k, DBSCAN outlier flags, and two PCA coordinates for charts."""
    space = clustering_space_or_none(customers, params)
    if space is None or scan.empty:
        return empty_frame(ASSIGNMENT_COLUMNS)
    k = int(scan.loc[scan["is_chosen"], "k"].iloc[0])
    seed = int(params["segmentation_seed"])
    labels, _ = fit_final(
        space.X,
        k,
        random_state=seed,
        n_init=int(params["segmentation_n_init"]),
        fit_sample=int(params["segmentation_fit_sample"]),
    )
    outliers = dbscan_outliers(
        space.X,
        min_samples=int(params["outlier_min_samples"]),
        eps_percentile=float(params["outlier_eps_percentile"]),
        sample_size=int(params["outlier_sample"]),
        random_state=seed,
    )
    table = cluster_assignments(space.features.ids, labels, outliers.is_outlier)
    table = table.rename(columns={"cluster": "cluster_id"})
    # first two principal components of the scaled features, for scatter plots
    scores = (space.features.X - space.pca.mean) @ space.pca.loadings.to_numpy().T
    table["pc1"] = scores[:, 0]
    table["pc2"] = scores[:, 1] if scores.shape[1] > 1 else 0.0
    table["outlier_eps"] = outliers.eps
    return table


def stability_table(
    customers: pd.DataFrame, assignments: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match."""
    space = clustering_space_or_none(customers, params)
    if space is None or assignments.empty:
        return empty_frame(STABILITY_COLUMNS)
    labels = labels_for(space.features.ids, assignments)
    k = int(labels.max()) + 1
    result = bootstrap_stability(
        space.X,
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


def profile_table(customers: pd.DataFrame, assignments: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Per cluster and feature: mean, median, the base's mean and sd, and the standardised difference z."""
    space = clustering_space_or_none(customers, params)
    if space is None or assignments.empty:
        return empty_frame(PROFILE_COLUMNS)
    labels = labels_for(space.features.ids, assignments)
    table = cluster_profiles(space.features.raw, labels)
    table = table.rename(
        columns={"cluster": "cluster_id", "mean": "cluster_mean", "median": "cluster_median"}
    )
    table.insert(0, "cluster_feature_id", table["cluster_id"].astype(str) + ":" + table["feature"])
    return table[list(PROFILE_COLUMNS)]


def verdict_table(
    customers: pd.DataFrame,
    assignments: pd.DataFrame,
    scan: pd.DataFrame,
    stability: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Every verdict criterion against its threshold, then differentiate or standardize."""
    space = clustering_space_or_none(customers, params)
    if space is None or assignments.empty:
        # not estimable: every criterion fails on a missing value, so the verdict is standardize
        nan = float("nan")
        verdict = evaluate_verdict(nan, nan, nan, nan, None, verdict_thresholds(params))
        verdict["detail"] = verdict["detail"] + " (not estimable: fewer than 2 usable features)"
        return verdict[VERDICT_COLUMNS]
    labels = labels_for(space.features.ids, assignments)
    silhouette = float(scan.loc[scan["is_chosen"], "silhouette"].iloc[0])
    shares = [(labels == cluster).mean() for cluster in range(int(labels.max()) + 1)]
    actionable = params["segmentation_actionable_features"]
    effect, feature = best_effect(
        effect_sizes(space.features.raw, labels), None if actionable is None else parse_list(actionable)
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
