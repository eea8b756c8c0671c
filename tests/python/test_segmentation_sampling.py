"""The k scan's own sample (`scan_k(scan_sample=)`, dbt var `segmentation_scan_sample`): the scan fits on
the sample it states and the final fit keeps its own; at the default nothing the scan decides changes on the
demo world or on Mall Customers, because neither is sampled. Scans on smaller samples are measured here
too, and they do change the chosen k: these tests pin what was measured, so the default is not lowered
without the evidence that it is safe."""

from __future__ import annotations

import inspect
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import PROJECT_ROOT, run_dbt
from sklearn.datasets import make_blobs

from earmark.dbt.segmentation import (
    assignment_table,
    k_scan_table,
    space_table,
    stability_table,
    verdict_table,
)
from earmark.ingest.mall_customers import ingest_mall_customers
from earmark.segmentation import FeatureConfig, fit_final, scan_k, segment
from earmark.segmentation.kselect import sample_rows
from earmark.simulate import simulate_world

pytestmark = pytest.mark.unit

PROJECT_VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
DEFAULT_SCAN_SAMPLE = int(PROJECT_VARS["segmentation_scan_sample"])

MALL_CONFIG = FeatureConfig(
    features=["age", "annual_income", "spending_score", "spend_ratio"],
    derived={"spend_ratio": "spending_score / (annual_income + 1e-9)"},
    log_features=[],
    scaler="standard",
)


def _frame(X: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(X))])
    return frame


def _blobs(n: int = 1500) -> np.ndarray:
    X, _ = make_blobs(n_samples=n, centers=3, n_features=4, random_state=5)
    return X


# --- the parameter ------------------------------------------------------------------------------------


def test_the_scan_fits_on_its_own_seeded_sample():
    X = _blobs()
    scan = scan_k(X, range(2, 5), scan_sample=500, silhouette_sample=300)
    assert scan["fit_rows"].tolist() == [500] * 3 and scan["silhouette_rows"].tolist() == [300] * 3
    # the sample is sample_rows' seeded one: scanning those rows themselves gives the same frame
    index = sample_rows(len(X), 500, 42)
    pd.testing.assert_frame_equal(scan, scan_k(X[index], range(2, 5), silhouette_sample=300))
    # at or above the number of rows the scan uses every row, whatever the final fit's sample
    every = scan_k(X, range(2, 5), scan_sample=len(X))
    assert every["fit_rows"].tolist() == [len(X)] * 3
    pd.testing.assert_frame_equal(every, scan_k(X, range(2, 5), scan_sample=10 * len(X)))


def test_the_final_fit_does_not_depend_on_the_scan_sample():
    X = _blobs(1200)
    config, ks = FeatureConfig([f"f{i}" for i in range(4)]), range(2, 5)
    small = segment(_frame(X), config, k_values=ks, scan_sample=400, n_resamples=2)
    every = segment(_frame(X), config, k_values=ks, n_resamples=2)
    assert small.k_scan["fit_rows"].iloc[0] == 400 and every.k_scan["fit_rows"].iloc[0] == len(X)
    assert small.k == every.k == 3
    labels, _ = fit_final(small.X_used, 3)
    np.testing.assert_array_equal(small.labels, labels)
    np.testing.assert_array_equal(small.labels, every.labels)


def test_the_dbt_scan_reads_its_sample_size_from_the_run_parameters():
    X = _blobs(600)
    customers = _frame(X)
    params = {
        **PROJECT_VARS,
        "segmentation_features": [f"f{i}" for i in range(4)],
        "segmentation_derived": {},
        "segmentation_log_features": [],
        "segmentation_k_max": 4,
    }
    space = space_table(customers, params)
    assert k_scan_table(space, params)["fit_rows"].tolist() == [600] * 3
    sampled = k_scan_table(space, {**params, "segmentation_scan_sample": 300})
    assert sampled["fit_rows"].tolist() == [300] * 3


def test_the_package_defaults_are_the_projects_vars():
    """The sample sizes live in dbt_project.yml; the package's defaults are copies, checked here, so a
    notebook calling `segment` or `scan_k` samples like a dbt build."""
    by_var = {
        "segmentation_scan_sample": [(scan_k, "scan_sample"), (segment, "scan_sample")],
        "segmentation_fit_sample": [(fit_final, "fit_sample"), (segment, "fit_sample")],
        "segmentation_silhouette_sample": [(scan_k, "silhouette_sample"), (segment, "silhouette_sample")],
        "segmentation_n_init": [(scan_k, "n_init"), (fit_final, "n_init"), (segment, "n_init")],
        "segmentation_seed": [(scan_k, "random_state"), (fit_final, "random_state")],
    }
    for var, copies in by_var.items():
        for function, argument in copies:
            default = inspect.signature(function).parameters[argument].default
            assert default == PROJECT_VARS[var], (var, function.__name__, argument, default)


# --- Mall Customers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mall_customers(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    raw = tmp_path_factory.mktemp("mall_customers") / "raw"
    ingest_mall_customers(datasets_dir / "mall_customers" / "Mall_Customers.csv", raw)
    return pd.read_parquet(raw / "customers.parquet")


def _mall(customers: pd.DataFrame, **kwargs: object):
    return segment(customers, MALL_CONFIG, id_column="customer_ref", n_resamples=20, **kwargs)


@pytest.fixture(scope="module")
def mall_every_row(mall_customers):
    return _mall(mall_customers, scan_sample=len(mall_customers))


@pytest.mark.integration
def test_mall_customers_at_the_default_is_scanned_on_every_row(mall_customers, mall_every_row):
    default, every = _mall(mall_customers), mall_every_row
    assert default.k_scan["fit_rows"].tolist() == [200] * 9
    assert default.k == every.k == 6 and default.decision == every.decision == "differentiate"
    pd.testing.assert_frame_equal(default.k_scan, every.k_scan)
    pd.testing.assert_frame_equal(default.stability.per_cluster, every.stability.per_cluster)
    pd.testing.assert_frame_equal(default.verdict, every.verdict)


# Chosen k of Mall Customers with the scan on a seeded sample of this many of its 200 rows (seed 42),
# measured; every row gives k=6.
MALL_K_BY_SCAN_SAMPLE = {190: 6, 175: 6, 150: 2, 125: 6, 100: 6}


@pytest.mark.integration
@pytest.mark.parametrize("scan_sample", sorted(MALL_K_BY_SCAN_SAMPLE, reverse=True))
def test_mall_customers_on_a_scan_sample(mall_customers, mall_every_row, scan_sample):
    """Where the sampled scan keeps k=6, the segments, their stability and the verdict are those of the
    scan on every row (only the silhouette differs, by less than 0.01, and it passes the same threshold);
    150 of the 200 rows moves k to 2, and the weakest cluster's Jaccard to 0.63 and the verdict to
    standardize."""
    every = mall_every_row
    sampled = _mall(mall_customers, scan_sample=scan_sample)
    assert sampled.k_scan["fit_rows"].iloc[0] == scan_sample
    assert sampled.k == MALL_K_BY_SCAN_SAMPLE[scan_sample]
    if sampled.k == every.k:
        pd.testing.assert_frame_equal(sampled.stability.per_cluster, every.stability.per_cluster)
        assert sampled.decision == every.decision == "differentiate"
        verdict, expected = sampled.verdict.set_index("criterion"), every.verdict.set_index("criterion")
        assert verdict["passed"].tolist() == expected["passed"].tolist()
        silhouette = expected.loc["silhouette", "value"]
        assert verdict.loc["silhouette", "value"] == pytest.approx(silhouette, abs=0.01)
    else:
        assert sampled.stability.min_cluster_jaccard == pytest.approx(0.629, abs=0.001)
        assert sampled.decision == "standardize" and every.decision == "differentiate"


# --- the demo world -----------------------------------------------------------------------------------

DEMO_SEED = 42  # the Makefile's DEMO_SEED, full scale: the 25,046-customer demo world


@pytest.fixture(scope="module")
def demo_space(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """int_segmentation_space of the demo world, built by dbt with its ancestors (no tests)."""
    work = tmp_path_factory.mktemp("demo_space")
    simulate_world(work / "raw", seed=DEMO_SEED, scale=1.0)
    db = work / "earmark.duckdb"
    run_dbt(
        work / "raw",
        db,
        "build",
        "--select",
        "+int_segmentation_space",
        "--exclude",
        "test_type:unit",
        "test_type:data",
    )
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql("select * from intermediate.int_segmentation_space").df()


def _demo_tables(space: pd.DataFrame, scan_sample: int) -> dict[str, pd.DataFrame]:
    params = {**PROJECT_VARS, "segmentation_scan_sample": scan_sample}
    scan = k_scan_table(space, params)
    assignments = assignment_table(space, scan, params)
    stability = stability_table(space, assignments, params)
    verdict = verdict_table(space, assignments, scan, stability, params).set_index("criterion")
    return {"scan": scan, "stability": stability, "verdict": verdict}


@pytest.mark.integration
def test_the_demo_world_keeps_k_at_the_default_and_a_10000_row_scan_would_move_it(demo_space):
    """At the default the demo world's 25,046 customers are all scanned: k=6, every cluster highly stable,
    standardize (the smallest cluster is below 5%). A scan on 10,000 of them chooses k=7 instead: the
    stability readings (all highly stable, the weakest cluster's Jaccard within 0.01) and the verdict stay,
    but the segments are not the same, which is why the default does not sample the scan below the final
    fit's sample."""
    default = _demo_tables(demo_space, DEFAULT_SCAN_SAMPLE)
    assert len(demo_space) == 25_046 and default["scan"]["fit_rows"].tolist() == [25_046] * 9
    assert default["scan"].loc[default["scan"]["is_chosen"], "k"].tolist() == [6]
    assert set(default["stability"]["stability_reading"]) == {"highly stable"}
    assert default["verdict"].loc["overall", "verdict"] == "standardize"

    sampled = _demo_tables(demo_space, 10_000)
    assert sampled["scan"]["fit_rows"].tolist() == [10_000] * 9
    assert sampled["scan"].loc[sampled["scan"]["is_chosen"], "k"].tolist() == [7]
    assert set(sampled["stability"]["stability_reading"]) == {"highly stable"}
    assert sampled["stability"]["mean_jaccard"].min() == pytest.approx(
        default["stability"]["mean_jaccard"].min(), abs=0.01
    )
    assert sampled["verdict"]["passed"].tolist() == default["verdict"]["passed"].tolist()
    assert sampled["verdict"].loc["overall", "verdict"] == "standardize"
