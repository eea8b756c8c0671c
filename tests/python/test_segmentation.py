"""Segmentation: clear structure is found and trusted, noise is not, every step is deterministic, and the
Mall Customers case study is reproduced by configuration alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from threadpoolctl import threadpool_limits

from earmark.bench.segmentation import run_benchmark, synthetic_customers
from earmark.cli import main
from earmark.ingest.mall_customers import ingest_mall_customers
from earmark.segmentation import (
    FeatureConfig,
    VerdictThresholds,
    bootstrap_stability,
    build_feature_matrix,
    choose_k,
    cluster_profiles,
    cluster_sizes,
    dbscan_outliers,
    effect_sizes,
    evaluate_verdict,
    fit_final,
    hennig_reading,
    mark_chosen,
    pca_diagnostics,
    project,
    relabel,
    scan_k,
    segment,
    silhouette_scores,
)
from earmark.segmentation.kselect import silhouette_sample_rows

pytestmark = pytest.mark.unit

FEATURES = [f"f{i}" for i in range(5)]


def _frame(X: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(X))])
    return frame


@pytest.fixture(scope="module")
def blobs() -> pd.DataFrame:
    X, _ = make_blobs(n_samples=1200, centers=4, n_features=5, cluster_std=1.0, random_state=7)
    return _frame(X)


@pytest.fixture(scope="module")
def blobs_result(blobs):
    return segment(blobs, FeatureConfig(FEATURES))


# --- structure and its absence ------------------------------------------------------------------------


@pytest.mark.integration
def test_blobs_are_found_stable_and_worth_differentiating(blobs_result):
    result = blobs_result
    assert result.k == 4
    assert (result.stability.per_cluster["mean_jaccard"] >= 0.85).all()
    assert set(result.stability.per_cluster["reading"]) == {"highly stable"}
    assert result.stability.mean_ari > 0.95
    assert result.decision == "differentiate"
    assert result.verdict["passed"].all()
    assert result.k_scan["chosen"].sum() == 1


@pytest.mark.integration
def test_structureless_noise_is_standardized():
    X = np.random.default_rng(3).standard_normal((1000, 5))
    result = segment(_frame(X), FeatureConfig(FEATURES), n_resamples=10)
    silhouette = float(result.k_scan.loc[result.k_scan["chosen"], "silhouette"].iloc[0])
    assert result.stability.min_cluster_jaccard < 0.75 or silhouette < 0.25
    assert result.decision == "standardize"
    overall = result.verdict.iloc[-1]
    assert overall["criterion"] == "overall" and not overall["passed"]


# --- determinism and labels ---------------------------------------------------------------------------


@pytest.mark.integration
def test_segment_is_deterministic_and_ignores_row_order(blobs, blobs_result):
    again = segment(blobs, FeatureConfig(FEATURES))
    np.testing.assert_array_equal(again.labels, blobs_result.labels)
    for name in ("k_scan", "profiles", "sizes", "effects", "verdict", "assignments"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(blobs_result, name))
    pd.testing.assert_frame_equal(again.stability.per_cluster, blobs_result.stability.per_cluster)
    pd.testing.assert_frame_equal(again.pca.loadings_frame(), blobs_result.pca.loadings_frame())

    shuffled = segment(blobs.sample(frac=1.0, random_state=11), FeatureConfig(FEATURES))
    pd.testing.assert_frame_equal(shuffled.assignments, blobs_result.assignments)
    pd.testing.assert_frame_equal(shuffled.verdict, blobs_result.verdict)


def test_cluster_zero_is_the_largest(blobs):
    X, _ = make_blobs(n_samples=[500, 100, 300], centers=None, n_features=3, random_state=1)
    labels, centers = fit_final(X, 3)
    sizes = np.bincount(labels)
    assert list(sizes) == [500, 300, 100]
    assert centers.shape == (3, 3)
    # Ties in size go to the lexicographically smaller center.
    tied, tied_centers = relabel(np.array([0, 0, 1, 1, 2]), np.array([[1.0, 0.0], [0.0, 5.0], [9.0, 9.0]]))
    assert tied.tolist() == [1, 1, 0, 0, 2]
    assert tied_centers.tolist() == [[0.0, 5.0], [1.0, 0.0], [9.0, 9.0]]


def test_sampled_fits_cover_every_row():
    X, _ = make_blobs(n_samples=3000, centers=3, n_features=4, random_state=5)
    scan = scan_k(X, range(2, 5), scan_sample=1000, silhouette_sample=500)
    assert scan["fit_rows"].tolist() == [1000] * 3 and scan["silhouette_rows"].tolist() == [500] * 3
    labels, _ = fit_final(X, 3, fit_sample=1000)
    assert labels.shape == (3000,) and set(labels) == {0, 1, 2}
    stability = bootstrap_stability(X, labels, 3, n_resamples=3, max_points=800)
    assert stability.sample_size == 800 and len(stability.per_resample) == 9
    outliers = dbscan_outliers(X, sample_size=1000)
    assert outliers.rows_fitted == 1000 and outliers.is_outlier.shape == (3000,)
    far = dbscan_outliers(np.vstack([X, [[1e3] * 4]]), sample_size=1000)
    assert far.is_outlier[-1]


# --- silhouettes of several labelings in one pass -------------------------------------------------------


def _labelings(X: np.ndarray) -> list[np.ndarray]:
    """KMeans labelings for k = 2..5 and a seeded random labeling with non-contiguous label values."""
    fits = [KMeans(n_clusters=k, n_init=1, random_state=0).fit(X).labels_ for k in range(2, 6)]
    return [*fits, np.random.default_rng(1).choice([3, 8, 20], size=len(X))]


def test_silhouette_scores_equal_sklearn_on_every_row():
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=11)
    labelings = _labelings(X)
    expected = [silhouette_score(X, labels) for labels in labelings]
    # No sample: sample_size None, or at least the number of rows (sklearn would only reorder them).
    for sample_size in (None, 400, 10_000):
        got = silhouette_scores(X, labelings, sample_size=sample_size, random_state=42)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # Chunks of a few rows give the same values as one chunk.
    few_rows = silhouette_scores(X, labelings, working_memory=0.01)
    np.testing.assert_allclose(few_rows, expected, rtol=0, atol=1e-9)
    assert silhouette_scores(X, []) == []


def test_silhouette_scores_sample_the_rows_sklearn_samples():
    X, _ = make_blobs(n_samples=900, centers=3, n_features=4, random_state=12)
    labelings = _labelings(X)
    for seed in (0, 42):
        expected = [silhouette_score(X, labels, sample_size=250, random_state=seed) for labels in labelings]
        got = silhouette_scores(X, labelings, sample_size=250, random_state=seed)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # The sample really is sklearn's: the silhouette of those rows alone, in that order.
    index = silhouette_sample_rows(900, 250, 42)
    assert index is not None and len(index) == 250 and silhouette_sample_rows(900, 900, 42) is None
    alone = [silhouette_score(X[index], labels[index]) for labels in labelings]
    np.testing.assert_allclose(silhouette_scores(X, labelings, 250, 42), alone, rtol=0, atol=1e-9)


def test_silhouette_scores_singletons_and_clusters_missing_from_the_sample():
    X, _ = make_blobs(n_samples=600, centers=3, n_features=2, random_state=13)
    base = KMeans(n_clusters=3, n_init=1, random_state=0).fit(X).labels_
    singleton = base.copy()
    singleton[17] = 9  # a cluster of one row: its silhouette is 0
    rare = base.copy()
    rare[[5, 6, 7]] = 7  # a cluster of three rows, which the sample below misses
    index = silhouette_sample_rows(600, 40, 42)
    assert not np.isin([5, 6, 7], index).any() and 17 not in index
    in_sample = base.copy()
    in_sample[index[0]] = 9  # a cluster of one row inside the sample
    labelings = [base, singleton, rare, in_sample]
    every_row = [silhouette_score(X, labels) for labels in labelings]
    np.testing.assert_allclose(silhouette_scores(X, labelings), every_row, rtol=0, atol=1e-9)
    sampled = [silhouette_score(X, labels, sample_size=40, random_state=42) for labels in labelings]
    np.testing.assert_allclose(silhouette_scores(X, labelings, 40, 42), sampled, rtol=0, atol=1e-9)
    # Fewer than 2 clusters among the measured rows is an error, as in sklearn.
    with pytest.raises(ValueError, match="1 clusters among 600 rows"):
        silhouette_scores(X, [base, np.zeros(600, dtype=int)])


def test_scan_k_silhouettes_equal_the_per_k_computation():
    X, _ = make_blobs(n_samples=1500, centers=5, n_features=4, cluster_std=2.0, random_state=14)
    ks = range(2, 9)
    scan = scan_k(X, ks, silhouette_sample=600)
    # The computation before silhouettes were shared: one sklearn silhouette_score per k.
    rows = []
    for k in ks:
        with threadpool_limits(limits=1, user_api="openmp"):
            model = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=42).fit(X)
        labels = model.labels_
        rows.append(
            {
                "k": k,
                "silhouette": silhouette_score(X, labels, sample_size=600, random_state=42),
                "calinski_harabasz": calinski_harabasz_score(X, labels),
                "davies_bouldin": davies_bouldin_score(X, labels),
                "inertia": model.inertia_,
                "fit_rows": 1500,
                "silhouette_rows": 600,
            }
        )
    expected = pd.DataFrame(rows).astype({"k": "int64", "fit_rows": "int64", "silhouette_rows": "int64"})
    assert scan.columns.tolist() == expected.columns.tolist()
    others = [column for column in scan.columns if column != "silhouette"]
    pd.testing.assert_frame_equal(scan[others], expected[others], check_exact=True)
    np.testing.assert_allclose(scan["silhouette"], expected["silhouette"], rtol=0, atol=1e-9)
    assert choose_k(scan) == choose_k(expected)


# --- k choice, verdict, readings ----------------------------------------------------------------------


def test_choose_k_breaks_near_ties_towards_fewer_clusters():
    scan = pd.DataFrame({"k": [5, 6, 7, 8], "silhouette": [0.4105, 0.4246, 0.4234, 0.4075]})
    k, rule = choose_k(scan)
    assert k == 6 and "k=6" in rule
    # A larger k that is best by less than the tolerance loses to the smaller tied k.
    scan = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.50, 0.503, 0.40]})
    assert choose_k(scan)[0] == 2
    assert choose_k(scan, tolerance=0.001)[0] == 3
    marked = mark_chosen(scan)
    assert marked["chosen"].tolist() == [True, False, False]
    assert marked["tied"].tolist() == [True, True, False]


def test_verdict_needs_every_criterion():
    passing = evaluate_verdict(0.5, 0.9, 0.2, 0.5, "monetary")
    assert passing["criterion"].tolist() == [
        "silhouette",
        "min_cluster_jaccard",
        "smallest_cluster_share",
        "best_effect_size",
        "overall",
    ]
    assert passing.iloc[-1]["verdict"] == "differentiate"
    assert passing.iloc[:-1]["verdict"].isna().all()
    small = evaluate_verdict(0.5, 0.9, 0.01, 0.5, "monetary")
    assert small.iloc[-1]["verdict"] == "standardize" and not small.iloc[2]["passed"]
    unknown = evaluate_verdict(float("nan"), 0.9, 0.2, 0.5, "monetary")
    assert unknown.iloc[-1]["verdict"] == "standardize"
    lenient = evaluate_verdict(0.2, 0.9, 0.2, 0.5, "monetary", VerdictThresholds(min_silhouette=0.1))
    assert lenient.iloc[-1]["verdict"] == "differentiate"


def test_hennig_readings():
    assert [hennig_reading(v) for v in (0.9, 0.85, 0.8, 0.6, 0.59, float("nan"))] == [
        "highly stable",
        "highly stable",
        "stable",
        "doubtful",
        "not to be trusted",
        "not to be trusted",
    ]


def test_effect_sizes_and_profiles():
    raw = pd.DataFrame({"a": [1.0, 1.0, 3.0, 3.0], "b": [1.0, 2.0, 1.0, np.nan]})
    labels = np.array([0, 0, 1, 1])
    effects = effect_sizes(raw, labels).set_index("feature")
    assert effects.loc["a", "eta_squared"] == pytest.approx(1.0)
    assert np.isinf(effects.loc["a", "max_abs_cohens_d"])
    assert effects.loc["b", "observed"] == 3
    profiles = cluster_profiles(raw, labels)
    row = profiles[(profiles["cluster"] == 1) & (profiles["feature"] == "a")].iloc[0]
    assert (row["mean"], row["population_mean"], row["population_sd"], row["z"]) == (3.0, 2.0, 1.0, 1.0)
    sizes = cluster_sizes(labels, np.array([True, False, False, False]))
    assert sizes["customers"].tolist() == [2, 2] and sizes["outliers"].tolist() == [1, 0]


def test_pca_reduces_only_redundant_features():
    rng = np.random.default_rng(0)
    factors = rng.standard_normal((500, 2))
    X = np.column_stack([factors[:, i % 2] + 0.05 * rng.standard_normal(500) for i in range(6)])
    diagnostics = pca_diagnostics(X, [f"x{i}" for i in range(6)])
    assert diagnostics.n_components_for_target == 2 and diagnostics.use_components
    assert project(X, diagnostics).shape == (500, 2)
    assert len(diagnostics.loadings_frame()) == 36 and len(diagnostics.to_frame()) == 6
    independent = pca_diagnostics(rng.standard_normal((500, 4)), list("abcd"))
    assert not independent.use_components
    assert project(np.ones((3, 4)), independent).shape == (3, 4)


# --- features -----------------------------------------------------------------------------------------


def test_feature_config_derives_transforms_drops_and_imputes():
    frame = pd.DataFrame(
        {
            "customer_id": [3, 1, 2, 4],
            "income": [10.0, 20.0, 40.0, 80.0],
            "spend": [5.0, 5.0, np.nan, 40.0],
            "empty": [np.nan] * 4,
            "same": [7, 7, 7, 7],
            "money": [0.0, -5.0, np.e - 1, 10.0],
        }
    )
    config = FeatureConfig(
        features=["income", "ratio", "spend", "empty", "same", "activity", "money", "broken"],
        derived={"ratio": "spend / income", "broken": "no_such_column * 2"},
        log_features=["money"],
        scaler="none",
    )
    matrix = build_feature_matrix(frame, config)
    assert matrix.ids.tolist() == [1, 2, 3, 4]
    assert matrix.feature_names == ["income", "ratio", "spend", "money"]
    assert matrix.dropped == {
        "empty": "all null",
        "same": "constant",
        "activity": "missing column",
        "broken": "missing column",
    }
    assert matrix.imputed == {"income": 0, "ratio": 1, "spend": 1, "money": 0}
    # id 2 has no spend: imputed with the median of 5, 5 and 40; raw keeps the null.
    assert matrix.X[1, 2] == 5.0 and np.isnan(matrix.raw.loc[1, "spend"])
    assert matrix.X[:, 1].tolist() == [0.25, 0.5, 0.5, 0.5]  # ratio of ids 1, 2 (imputed: median), 3, 4
    np.testing.assert_allclose(matrix.X[:, 3], [0.0, 1.0, 0.0, np.log1p(10.0)])
    table = matrix.feature_table()
    assert table["kept"].tolist() == [True, True, True, False, False, False, True, False]
    scaled = build_feature_matrix(frame, FeatureConfig(["income", "spend"]))
    np.testing.assert_allclose(scaled.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.X.std(axis=0), 1)


def test_fewer_than_two_features_raises():
    frame = pd.DataFrame({"customer_id": [1, 2, 3], "a": [1.0, 2.0, 3.0], "b": [1, 1, 1]})
    with pytest.raises(ValueError, match=r"at least 2 usable features.*b \(constant\).*c \(missing column\)"):
        build_feature_matrix(frame, FeatureConfig(["a", "b", "c"]))
    with pytest.raises(ValueError, match="repeats ids"):
        build_feature_matrix(pd.concat([frame, frame]), FeatureConfig(["a", "b"]))


def test_feature_config_from_dbt_vars():
    expected = ["a", "b"]
    for value in ("['a','b']", '["a", "b"]', "[a, b]", "a, b", ["a", "b"], ("a", "b")):
        assert FeatureConfig.from_vars(value).features == expected
    config = FeatureConfig.from_vars("a,b,r", "{'r': 'a / (b + 1e-9)'}", "[b]", "robust")
    assert config.derived == {"r": "a / (b + 1e-9)"} and config.log_features == ["b"]
    assert config.scaler == "robust"
    assert FeatureConfig.from_vars("a,r", "{r: a / b, s: max(a, b)}").derived == {
        "r": "a / b",
        "s": "max(a, b)",
    }
    assert FeatureConfig.from_vars("a,r", ["r = a / b"]).derived == {"r": "a / b"}
    assert FeatureConfig.from_vars("a,b", None, None, None).scaler == "standard"
    with pytest.raises(ValueError, match="scaler"):
        FeatureConfig.from_vars("a,b", scaler="zscore")
    with pytest.raises(ValueError, match="log_features not among features"):
        FeatureConfig(["a", "b"], log_features=["c"])


# --- benchmark ------------------------------------------------------------------------------------------


@pytest.mark.integration
def test_benchmark_runs_and_is_seeded(capsys):
    pd.testing.assert_frame_equal(synthetic_customers(500, seed=1), synthetic_customers(500, seed=1))
    table, result, _ = run_benchmark(1500, 6, n_resamples=2, k_values=range(2, 5))
    assert table["step"].tolist()[-1] == "total" and (table["seconds"] >= 0).all()
    assert len(result.labels) == 1500
    assert main(["bench-segmentation", "--customers", "600", "--features", "4", "--resamples", "2"]) == 0
    assert "scan_k" in capsys.readouterr().out


# --- Mall Customers -------------------------------------------------------------------------------------

MALL_CONFIG = FeatureConfig(
    features=["age", "annual_income", "spending_score", "spend_ratio"],
    derived={"spend_ratio": "spending_score / (annual_income + 1e-9)"},
    log_features=[],
    scaler="standard",
)


@pytest.mark.integration
def test_mall_customers_case_study_is_reproduced(datasets_dir, tmp_path):
    ingest_mall_customers(datasets_dir / "mall_customers" / "Mall_Customers.csv", tmp_path / "raw")
    customers = pd.read_parquet(tmp_path / "raw" / "customers.parquet")
    matrix = build_feature_matrix(customers, MALL_CONFIG, id_column="customer_ref")
    assert matrix.feature_names == MALL_CONFIG.features and matrix.X.shape == (200, 4)

    pca = pca_diagnostics(matrix.X, matrix.feature_names)
    assert not pca.use_components  # 3 of 4 components for 90%: the case study's 4 features are kept
    X = project(matrix.X, pca)
    scan = scan_k(X).set_index("k")
    assert scan.loc[6, "silhouette"] == pytest.approx(0.4246, abs=0.001)
    assert scan.loc[6, "calinski_harabasz"] == pytest.approx(140.68, abs=0.1)
    assert scan.loc[6, "davies_bouldin"] == pytest.approx(0.831, abs=0.01)
    assert scan.loc[7, "silhouette"] == pytest.approx(0.4234, abs=0.001)
    assert scan["calinski_harabasz"].idxmax() == 7
    k, rule = choose_k(scan.reset_index())
    assert k == 6, rule
    outliers = dbscan_outliers(X, min_samples=4, eps_percentile=90)
    assert outliers.n_outliers == 6

    result = segment(customers, MALL_CONFIG, id_column="customer_ref", n_resamples=20)
    assert result.k == 6 and result.outliers.n_outliers == 6
    pd.set_option("display.width", 160)
    print("\nMall Customers: k scan\n", result.k_scan.to_string(index=False))
    print("rule:", result.k_rule)
    print("stability (20 resamples)\n", result.stability.per_cluster.to_string(index=False))
    print(f"mean ARI {result.stability.mean_ari:.4f}")
    print("sizes\n", result.sizes.to_string(index=False))
    print("verdict\n", result.verdict.to_string(index=False))
