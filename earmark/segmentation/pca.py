"""Step 2: principal components of the scaled features, and whether clustering should use them.

The rule: with p features, let n be the fewest leading components whose cumulative explained variance
reaches `variance_target`. Cluster on those n components only when n <= floor(p / 2), i.e. when the
reduction keeps the structure with at most half the dimensions; otherwise the features are not redundant
enough for the reduction to pay for what it hides, and clustering uses the scaled features themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

# Cumulative variance is compared with the target with this slack, so 0.9 reached as 0.8999999999 counts.
_EPSILON = 1e-12


@dataclass
class PcaDiagnostics:
    """What PCA says about the scaled features.

    explained_variance_ratio, cumulative_variance: per component, in order (length p).
    loadings: component (index 1..p) x feature DataFrame of the unit-length component weights, each
        component's sign fixed so its largest absolute weight is positive (deterministic).
    n_components_for_target: fewest components whose cumulative variance reaches the target.
    use_components: whether clustering runs on those components (see the module rule).
    rule: the rule and its outcome in words.
    mean: the feature means PCA centred on (for `project`).
    """

    explained_variance_ratio: np.ndarray
    cumulative_variance: np.ndarray
    loadings: pd.DataFrame
    n_components_for_target: int
    use_components: bool
    rule: str
    variance_target: float
    mean: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per component: component (1-based), explained_variance_ratio, cumulative_variance,
        reaches_target (first component at which the target is reached), used_for_clustering."""
        p = len(self.explained_variance_ratio)
        component = np.arange(1, p + 1)
        return pd.DataFrame(
            {
                "component": component,
                "explained_variance_ratio": self.explained_variance_ratio,
                "cumulative_variance": self.cumulative_variance,
                "reaches_target": component == self.n_components_for_target,
                "used_for_clustering": self.use_components & (component <= self.n_components_for_target),
            }
        )

    def loadings_frame(self) -> pd.DataFrame:
        """One row per component x feature: component (1-based), feature, loading (component weight)."""
        long = self.loadings.stack().rename("loading").reset_index()
        long.columns = ["component", "feature", "loading"]
        return long.astype({"component": "int64", "feature": "str", "loading": "float64"})


def pca_diagnostics(
    X: np.ndarray, feature_names: list[str], variance_target: float = 0.9, random_state: int = 42
) -> PcaDiagnostics:
    """Full PCA (exact SVD, so `random_state` only pins sklearn's solver choice) of the scaled features X
    and the decision whether to cluster on components: yes only when n_components_for_target <=
    floor(p / 2)."""
    X = np.asarray(X, dtype="float64")
    n, p = X.shape
    if p != len(feature_names):
        raise ValueError(f"X has {p} columns but {len(feature_names)} feature names")
    if not 0 < variance_target <= 1:
        raise ValueError(f"variance_target must be in (0, 1], got {variance_target}")
    if n < 2:
        raise ValueError("PCA needs at least 2 rows")
    model = PCA(n_components=None, svd_solver="full", random_state=random_state).fit(X)
    components = model.components_.copy()
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    ratio = np.asarray(model.explained_variance_ratio_, dtype="float64")
    if len(ratio) < p:  # fewer rows than features: the remaining components explain nothing
        ratio = np.concatenate([ratio, np.zeros(p - len(ratio))])
        components = np.vstack([components, np.zeros((p - len(components), p))])
    cumulative = np.cumsum(ratio)
    n_target = int(np.searchsorted(cumulative, variance_target - _EPSILON) + 1)
    n_target = min(n_target, p)
    half = p // 2
    use = n_target <= half
    share = cumulative[n_target - 1]
    if use:
        rule = (
            f"{n_target} of {p} components explain {share:.1%} (target {variance_target:.0%}); "
            f"{n_target} <= floor({p}/2) = {half}, so clustering uses the first {n_target} components"
        )
    else:
        rule = (
            f"{n_target} of {p} components are needed to explain {variance_target:.0%} ({share:.1%}); "
            f"{n_target} > floor({p}/2) = {half}, so clustering uses the {p} scaled features"
        )
    loadings = pd.DataFrame(
        components, index=pd.Index(np.arange(1, p + 1), name="component"), columns=list(feature_names)
    )
    loadings.columns.name = "feature"
    return PcaDiagnostics(
        explained_variance_ratio=ratio,
        cumulative_variance=cumulative,
        loadings=loadings,
        n_components_for_target=n_target,
        use_components=use,
        rule=rule,
        variance_target=variance_target,
        mean=np.asarray(model.mean_, dtype="float64"),
    )


def project(X: np.ndarray, diagnostics: PcaDiagnostics) -> np.ndarray:
    """The matrix clustering uses: the scores on the first n components when `use_components`, else X
    unchanged (as float64)."""
    X = np.asarray(X, dtype="float64")
    if not diagnostics.use_components:
        return np.ascontiguousarray(X)
    weights = diagnostics.loadings.to_numpy()[: diagnostics.n_components_for_target]
    return np.ascontiguousarray((X - diagnostics.mean) @ weights.T)
