"""What the thin dbt Python models in python_models/segmentation share: rebuilding the same clustering
space from the run parameters, so each model runs one step of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from earmark.segmentation.config import FeatureConfig
from earmark.segmentation.features import FeatureMatrix, TooFewFeatures, build_feature_matrix
from earmark.segmentation.pca import PcaDiagnostics, pca_diagnostics, project
from earmark.segmentation.verdict import VerdictThresholds


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
    """Cluster labels from segmentation_assignments aligned to the feature matrix's id order."""
    by_id = assignments.set_index("customer_id")["cluster_id"]
    return by_id.reindex(ids).to_numpy(dtype="int64")
