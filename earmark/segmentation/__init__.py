"""Customer segmentation: is there structure stable and distinct enough to treat customers differently?

One pure, seeded, deterministic function per step, so thin dbt Python models can call them one per
model; `segment` runs them all in order. Steps:

1. `build_feature_matrix` (features.py): derived features, dropped/imputed columns, log, scaling.
2. `pca_diagnostics` / `project` (pca.py): components, and whether to cluster on them.
3. `scan_k` / `choose_k` / `mark_chosen` (kselect.py): metrics per k and the stated tie rule.
4. `fit_final` (kselect.py): the final KMeans, clusters numbered by descending size.
5. `bootstrap_stability` (stability.py): Hennig's clusterboot Jaccard per cluster, ARI.
6. `dbscan_outliers` (outliers.py): customers in no dense region.
7. `effect_sizes` / `best_effect` / `evaluate_verdict` (verdict.py): differentiate or standardize.
8. `cluster_sizes` / `cluster_profiles` / `cluster_assignments` (profiles.py): tables for SQL.
"""

from earmark.segmentation.config import SCALERS, FeatureConfig, parse_list, parse_mapping
from earmark.segmentation.features import FeatureMatrix, build_feature_matrix
from earmark.segmentation.kselect import (
    choose_k,
    fit_final,
    mark_chosen,
    relabel,
    sample_rows,
    scan_k,
    silhouette_scores,
)
from earmark.segmentation.outliers import OutlierResult, dbscan_outliers
from earmark.segmentation.pca import PcaDiagnostics, pca_diagnostics, project
from earmark.segmentation.pipeline import STEPS, SegmentationResult, segment
from earmark.segmentation.profiles import cluster_assignments, cluster_profiles, cluster_sizes
from earmark.segmentation.stability import StabilityResult, bootstrap_stability, hennig_reading
from earmark.segmentation.verdict import (
    DIFFERENTIATE,
    STANDARDIZE,
    VerdictThresholds,
    best_effect,
    effect_sizes,
    evaluate_verdict,
)

__all__ = [
    "DIFFERENTIATE",
    "SCALERS",
    "STANDARDIZE",
    "STEPS",
    "FeatureConfig",
    "FeatureMatrix",
    "OutlierResult",
    "PcaDiagnostics",
    "SegmentationResult",
    "StabilityResult",
    "VerdictThresholds",
    "best_effect",
    "bootstrap_stability",
    "build_feature_matrix",
    "choose_k",
    "cluster_assignments",
    "cluster_profiles",
    "cluster_sizes",
    "dbscan_outliers",
    "effect_sizes",
    "evaluate_verdict",
    "fit_final",
    "hennig_reading",
    "mark_chosen",
    "parse_list",
    "parse_mapping",
    "pca_diagnostics",
    "project",
    "relabel",
    "sample_rows",
    "scan_k",
    "segment",
    "silhouette_scores",
]
