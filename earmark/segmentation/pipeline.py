"""Every segmentation step in order, in one call: for tests, benchmarks and notebooks.

The dbt models call the steps one per model; `segment` runs the same functions with the same arguments
in the same order, so its result is what the models produce.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from earmark.segmentation.config import FeatureConfig
from earmark.segmentation.features import FeatureMatrix, build_feature_matrix
from earmark.segmentation.kselect import choose_k, fit_final, mark_chosen, scan_k
from earmark.segmentation.outliers import OutlierResult, dbscan_outliers
from earmark.segmentation.pca import PcaDiagnostics, pca_diagnostics, project
from earmark.segmentation.profiles import cluster_assignments, cluster_profiles, cluster_sizes
from earmark.segmentation.stability import StabilityResult, bootstrap_stability
from earmark.segmentation.verdict import VerdictThresholds, best_effect, effect_sizes, evaluate_verdict

STEPS = ("features", "pca", "scan_k", "fit_final", "stability", "outliers", "effects", "profiles", "verdict")

StepHook = Callable[[str], contextlib.AbstractContextManager]


@dataclass
class SegmentationResult:
    """Everything `segment` computed.

    features, pca, stability, outliers: the step results. X_used: the matrix clustering ran on.
    k_scan: `scan_k` output marked by `mark_chosen` (silhouette_gap, tied, chosen). k, k_rule: the choice.
    labels, centers: `fit_final` output (labels in id order). effects: `effect_sizes` on the raw kept
    features. best_effect_size, best_effect_feature: the actionable maximum the verdict used.
    sizes, profiles, assignments: `cluster_sizes`, `cluster_profiles`, `cluster_assignments`.
    verdict: `evaluate_verdict` rows; `decision` is the overall verdict.
    """

    features: FeatureMatrix
    pca: PcaDiagnostics
    X_used: np.ndarray
    k_scan: pd.DataFrame
    k: int
    k_rule: str
    labels: np.ndarray
    centers: np.ndarray
    stability: StabilityResult
    outliers: OutlierResult
    effects: pd.DataFrame
    best_effect_size: float
    best_effect_feature: str | None
    sizes: pd.DataFrame
    profiles: pd.DataFrame
    assignments: pd.DataFrame
    verdict: pd.DataFrame

    @property
    def decision(self) -> str:
        """'differentiate' or 'standardize'."""
        return str(self.verdict.loc[self.verdict["criterion"] == "overall", "verdict"].iloc[0])


def segment(
    frame: pd.DataFrame,
    config: FeatureConfig,
    *,
    id_column: str = "customer_id",
    k_values: Iterable[int] = range(2, 11),
    random_state: int = 42,
    n_init: int = 10,
    tolerance: float = 0.005,
    variance_target: float = 0.9,
    fit_sample: int = 50_000,
    scan_sample: int = 50_000,
    silhouette_sample: int = 10_000,
    n_resamples: int = 20,
    stability_max_points: int = 20_000,
    outlier_min_samples: int = 4,
    outlier_eps_percentile: float = 90,
    outlier_sample: int = 20_000,
    actionable_features: list[str] | None = None,
    thresholds: VerdictThresholds | None = None,
    step_hook: StepHook | None = None,
) -> SegmentationResult:
    """Run every step: features -> PCA rule -> k scan and choice -> final fit -> bootstrap stability ->
    DBSCAN outliers -> effect sizes -> profiles -> verdict. Same frame (in any row order) and arguments,
    same result. `actionable_features` limits the effect-size criterion (default: all kept features).
    `step_hook(name)`, when given, is entered as a context manager around each step (names in `STEPS`);
    the benchmark uses it to time them."""
    hook: StepHook = step_hook or (lambda name: contextlib.nullcontext())
    thresholds = thresholds or VerdictThresholds()
    with hook("features"):
        features = build_feature_matrix(frame, config, id_column=id_column)
    with hook("pca"):
        pca = pca_diagnostics(features.X, features.feature_names, variance_target, random_state)
        X_used = project(features.X, pca)
    with hook("scan_k"):
        scan = scan_k(X_used, k_values, random_state, n_init, silhouette_sample, scan_sample)
        k, rule = choose_k(scan, tolerance)
        scan = mark_chosen(scan, tolerance)
    with hook("fit_final"):
        labels, centers = fit_final(X_used, k, random_state, n_init, fit_sample)
    with hook("stability"):
        stability = bootstrap_stability(
            X_used, labels, k, n_resamples, random_state, n_init, stability_max_points
        )
    with hook("outliers"):
        outliers = dbscan_outliers(
            X_used, outlier_min_samples, outlier_eps_percentile, outlier_sample, random_state
        )
    with hook("effects"):
        effects = effect_sizes(features.raw, labels)
        effect, effect_feature = best_effect(effects, actionable_features)
    with hook("profiles"):
        sizes = cluster_sizes(labels, outliers.is_outlier, k)
        profiles = cluster_profiles(features.raw, labels)
        assignments = cluster_assignments(features.ids, labels, outliers.is_outlier, id_column)
    with hook("verdict"):
        silhouette = float(scan.loc[scan["chosen"], "silhouette"].iloc[0])
        verdict = evaluate_verdict(
            silhouette,
            stability.min_cluster_jaccard,
            float(sizes["share"].min()),
            effect,
            effect_feature,
            thresholds,
        )
    return SegmentationResult(
        features=features,
        pca=pca,
        X_used=X_used,
        k_scan=scan,
        k=k,
        k_rule=rule,
        labels=labels,
        centers=centers,
        stability=stability,
        outliers=outliers,
        effects=effects,
        best_effect_size=effect,
        best_effect_feature=effect_feature,
        sizes=sizes,
        profiles=profiles,
        assignments=assignments,
        verdict=verdict,
    )
