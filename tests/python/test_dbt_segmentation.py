"""The segmentation models' logic (earmark.dbt.segmentation), one table per dbt Python model, chained as
dbt chains them (the space built once, every later table from it): on three well-separated groups it finds
them, calls them stable and differentiates; on an input with one usable feature every table is typed and
empty and the verdict says why it standardizes. The space is read back shuffled, as DuckDB may return it,
and gives the same tables as the space built in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from earmark.dbt.segmentation import (
    ASSIGNMENT_COLUMNS,
    EMPTY_SPACE_COLUMNS,
    K_SCAN_COLUMNS,
    PCA_COLUMNS,
    PROFILE_COLUMNS,
    STABILITY_COLUMNS,
    assignment_table,
    k_scan_table,
    pca_table,
    profile_table,
    read_space,
    space_table,
    stability_table,
    verdict_table,
)

pytestmark = pytest.mark.unit

PROJECT_VARS = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())["vars"]
FEATURES = ["spend", "visits", "basket"]


def _params(**overrides: object) -> dict:
    """The project's own defaults (dbt_project.yml), with this test's features and a small k range."""
    params = {name: value for name, value in PROJECT_VARS.items()}
    params.update(
        segmentation_features=FEATURES,
        segmentation_derived={},
        segmentation_log_features=[],
        segmentation_k_max=5,
        segmentation_resamples=10,
    )
    params.update(overrides)
    return params


def _chain(customers: pd.DataFrame, params: dict, shuffle_space: bool = False) -> dict[str, pd.DataFrame]:
    """Every table, each from the ones before it, in dbt's order; with `shuffle_space` the later tables read
    the space in another row order, as a warehouse may return it."""
    built = space_table(customers, params)
    space = built.sample(frac=1.0, random_state=7) if shuffle_space else built
    scan = k_scan_table(space, params)
    assignments = assignment_table(space, scan, params)
    stability = stability_table(space, assignments, params)
    return {
        "space": built,
        "pca": pca_table(space, params),
        "scan": scan,
        "assignments": assignments,
        "stability": stability,
        "profiles": profile_table(space, assignments, params),
        "verdict": verdict_table(space, assignments, scan, stability, params),
    }


def test_three_separate_groups_are_found_and_differentiated() -> None:
    X, truth = make_blobs(n_samples=600, centers=3, n_features=3, cluster_std=0.6, random_state=4)
    customers = pd.DataFrame(X, columns=FEATURES)
    customers.insert(0, "customer_id", [f"C{i:04d}" for i in range(len(customers))])
    tables = _chain(customers, _params())

    space = tables["space"]
    assert space["customer_id"].tolist() == customers["customer_id"].tolist()
    assert list(space.columns) == [
        "customer_id",
        "pc1",
        "pc2",
        *(f"scaled__{name}" for name in FEATURES),
        *(f"raw__{name}" for name in FEATURES),
    ]  # three informative features need all three components: clustering runs on the features
    np.testing.assert_array_equal(space[[f"raw__{name}" for name in FEATURES]].to_numpy(), X)
    stored = read_space(space)
    assert stored is not None and stored.clustered_on == "features"
    assert stored.feature_names == FEATURES and stored.X.flags.c_contiguous
    scan = tables["scan"]
    assert list(scan.columns) == list(K_SCAN_COLUMNS)
    assert scan["k"].tolist() == [2, 3, 4, 5]
    assert scan.loc[scan["is_chosen"], "k"].tolist() == [3]
    assignments = tables["assignments"]
    assert list(assignments.columns) == list(ASSIGNMENT_COLUMNS)
    assert assignments["customer_id"].tolist() == customers["customer_id"].tolist()
    assert adjusted_rand_score(truth, assignments["cluster_id"]) == pytest.approx(1.0)
    # cluster 0 is the largest
    sizes = assignments["cluster_id"].value_counts().sort_index()
    assert sizes.is_monotonic_decreasing
    assert (tables["stability"]["mean_jaccard"] > 0.95).all()
    assert len(tables["profiles"]) == 3 * len(FEATURES)
    assert tables["pca"]["feature"].nunique() == len(FEATURES)
    verdict = tables["verdict"].set_index("criterion")
    assert verdict.loc["overall", "verdict"] == "differentiate"
    assert verdict["passed"].all()


def test_redundant_features_cluster_on_components_read_back_in_any_row_order() -> None:
    """Two copies of one informative feature and a near-copy of another: one component carries 90% of the
    variance, so the space stores its scores and clustering runs on them; a shuffled space gives the same
    tables, since read_space sorts by customer_id as build_feature_matrix does."""
    X, _ = make_blobs(n_samples=300, centers=3, n_features=1, cluster_std=0.5, random_state=2)
    rng = np.random.default_rng(3)
    spend = X[:, 0]
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in rng.permutation(len(spend))],
            "spend": spend,
            "visits": 2.0 * spend + rng.normal(0.0, 0.05, len(spend)),
            "basket": spend + rng.normal(0.0, 0.05, len(spend)),
        }
    )
    tables = _chain(customers, _params())
    component_columns = [c for c in tables["space"].columns if c.startswith("component__")]
    assert component_columns == ["component__1"]
    assert tables["scan"]["clustered_on"].unique().tolist() == ["components"]
    assert tables["scan"]["dimensions"].unique().tolist() == [1]
    assert tables["pca"].loc[tables["pca"]["used_for_clustering"], "component"].unique().tolist() == [1]
    shuffled = _chain(customers, _params(), shuffle_space=True)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(shuffled[name], table, check_exact=True, obj=name)


def test_one_usable_feature_gives_typed_empty_tables_and_standardize() -> None:
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "spend": [1.0, 2.0, 3.0, 4.0]})
    customers["visits"] = np.nan
    customers["basket"] = np.nan
    tables = _chain(customers, _params())
    for name, columns in (
        ("space", EMPTY_SPACE_COLUMNS),
        ("pca", PCA_COLUMNS),
        ("scan", K_SCAN_COLUMNS),
        ("assignments", ASSIGNMENT_COLUMNS),
        ("stability", STABILITY_COLUMNS),
        ("profiles", PROFILE_COLUMNS),
    ):
        table = tables[name]
        assert table.empty, name
        assert {column: str(dtype) for column, dtype in table.dtypes.items()} == columns, name
    verdict = tables["verdict"].set_index("criterion")
    assert verdict.loc["overall", "verdict"] == "standardize"
    assert "not estimable: fewer than 2 usable features" in verdict.loc["overall", "detail"]
