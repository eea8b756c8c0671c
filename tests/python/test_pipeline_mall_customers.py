"""Mall Customers through dbt: the case study's segmentation is pure configuration (dbt vars)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_study_vars, query, run_dbt

from earmark.ingest.mall_customers import ingest_mall_customers

pytestmark = pytest.mark.integration

# The case study's features: Age, Annual Income, Spending Score and Spending Score / (Annual Income + 1e-9),
# standard scaler, no log transform (k-means++, n_init 10, random_state 42 are the defaults).
MALL_VARS = case_study_vars("mall_customers")


@pytest.fixture(scope="module")
def mall_db(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("mall")
    raw = work / "raw"
    ingest_mall_customers(datasets_dir / "mall_customers" / "Mall_Customers.csv", raw)
    db = work / "earmark.duckdb"
    run_dbt(raw, db, extra_vars=MALL_VARS)
    return db


def test_case_study_figures_are_reproduced(mall_db: Path) -> None:
    by_k = {
        k: (silhouette, ch, db)
        for k, silhouette, ch, db in query(
            mall_db, "select k, silhouette, calinski_harabasz, davies_bouldin from cluster_model_selection"
        )
    }
    silhouette, ch, db = by_k[6]
    assert silhouette == pytest.approx(0.4246, abs=0.001)
    assert ch == pytest.approx(140.68, abs=0.1)
    assert db == pytest.approx(0.831, abs=0.01)
    assert by_k[7][0] == pytest.approx(0.4234, abs=0.001)


def test_tie_rule_picks_six_and_dbscan_flags_six(mall_db: Path) -> None:
    assert query(mall_db, "select k from cluster_model_selection where is_chosen") == [(6,)]
    assert query(mall_db, "select count(*) from customers where is_outlier") == [(6,)]
    # an outlier is reviewed by a person before any contact, and only outliers are
    assert query(mall_db, "select count(*) from customers where treatment_band = 'review'") == [(6,)]
    assert query(mall_db, "select bool_and(is_outlier) from customers where treatment_band = 'review'") == [
        (True,)
    ]
    rule = query(mall_db, "select distinct selection_rule from cluster_model_selection")[0][0]
    assert "smallest tied k wins" in rule


def test_verdict_and_personas(mall_db: Path) -> None:
    verdict = dict(query(mall_db, "select criterion, passed from segmentation_verdict"))
    assert verdict == {
        "silhouette": True,
        "min_cluster_jaccard": True,
        "smallest_cluster_share": True,
        "best_effect_size": True,
        "overall": True,
    }
    assert query(mall_db, "select verdict from segmentation_verdict where criterion = 'overall'") == [
        ("differentiate",)
    ]
    # the high-income, high-spending cluster earns its persona from the profile, whatever its number
    personas = dict(
        query(mall_db, "select persona, customers from cluster_profiles where persona != 'Mainstream'")
    )
    assert personas["Affluent spenders"] == 39
    assert query(mall_db, "select count(*) from customers where treatment_band = 'high_touch'") == [(39,)]
    # no order book: RFM says so instead of calling everyone a non-buyer
    assert query(mall_db, "select distinct rfm_segment from customers") == [("Not Estimable",)]
