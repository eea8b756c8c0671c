"""Reliability, odd names (issue 12, item 6): a raw directory or warehouse path with quotes or brackets,
and an attribute column named with a quote, either work or are refused with the path or column and rule.

DuckDB reads '[', '*' and '?' in a path as glob characters, so before this a raw directory named
"o'brien [v1]" gave a parser error, and with its quote escaped would have read the files of a sibling
"o'brien v" without a word. Each world here is a few rows, built through the cleaning lineage and the
customer features; one small simulated world goes through the whole pipeline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FEATURES_BUILD, customer_record, query, run_dbt

from earmark import contract
from earmark.contract.validate import validate_dir
from earmark.simulate import simulate_world

pytestmark = pytest.mark.integration

WHEN = datetime(2025, 3, 3, 10, 0)
QUOTED_ATTRIBUTE = "loyalty 'tier'"


def write_world(raw: Path, refs: list[str], attributes: dict[str, list] | None = None) -> Path:
    """A raw directory: one customer per ref with any extra attribute columns, one sale each, and the
    optional entities as zero-row files."""
    raw.mkdir(parents=True, exist_ok=True)
    customers = pa.Table.from_pylist(
        [customer_record(ref) for ref in refs],
        schema=contract.arrow_schema(contract.CUSTOMERS),
    )
    for name, values in (attributes or {}).items():
        customers = customers.append_column(name, pa.array(values))
    pq.write_table(customers, raw / "customers.parquet")
    sales = [
        {
            "invoice_ref": f"INV-{ref}",
            "stock_code": "85123A",
            "description": "WHITE HANGING HEART",
            "quantity": 2,
            "unit_price": 2.55,
            "invoiced_at": WHEN,
            "customer_ref": ref,
            "country": "United Kingdom",
        }
        for ref in refs
    ]
    pq.write_table(
        pa.Table.from_pylist(sales, schema=contract.arrow_schema(contract.TRANSACTIONS)),
        raw / "transactions.parquet",
    )
    for entity in contract.ENTITIES:
        if entity.name not in ("customers", "transactions") and not entity.may_be_absent:
            pq.write_table(contract.empty_table(entity), raw / entity.file_name)
    return raw


def raw_rows(db: Path) -> dict[str, int]:
    return dict(query(db, "select input_file, max(input_rows) from data_quality group by input_file"))


# --- a raw directory and a warehouse with quotes and brackets: they work ----------------------------------


@pytest.fixture(scope="module")
def odd_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("odd_paths")
    raw = write_world(work / "o'brien [v1]", ["C1", "C2"], {QUOTED_ATTRIBUTE: ["gold", "silver"]})
    # the directory a glob reading of "[v1]" would match instead: different rows, so a mix-up shows
    decoy = write_world(work / "o'brien v", ["D1", "D2", "D3", "D4", "D5"])
    warehouse = work / "wh '[1]" / "ware[2].duckdb"
    warehouse.parent.mkdir()
    run_dbt(raw, warehouse, *FEATURES_BUILD)
    return {"raw": raw, "decoy": decoy, "db": warehouse}


def test_the_build_reads_the_named_directory_not_a_glob_match(odd_paths: dict[str, Path]) -> None:
    assert raw_rows(odd_paths["db"]) == {"customers": 2, "transactions": 2, "activity": 0}
    assert query(odd_paths["db"], "select count(*) from intermediate.int_customer_features") == [(2,)]


def test_a_quoted_attribute_column_reaches_the_features(odd_paths: dict[str, Path]) -> None:
    rows = query(
        odd_paths["db"],
        f'select "{QUOTED_ATTRIBUTE}" from intermediate.int_customer_features order by customer_id',
    )
    assert sorted(value for (value,) in rows) == ["gold", "silver"]


def test_validate_reads_a_bracketed_directory_as_given(tmp_path: Path) -> None:
    # no sibling for the glob to match: before, every file was unreadable ("No files found")
    raw = write_world(tmp_path / "sales *?[2024]", ["C1"], {QUOTED_ATTRIBUTE: ["gold"]})
    assert validate_dir(raw) == []


def test_a_backslash_in_the_raw_directory_is_refused_naming_it(tmp_path: Path) -> None:
    raw = write_world(tmp_path / "back\\slash", ["C1"])
    violations = validate_dir(raw)
    assert [(v.file, v.column, v.rule) for v in violations] == [(".", "*", "unsupported_path")]
    assert "contains '\\'" in violations[0].detail and "path separator" in violations[0].detail
    done = run_dbt(raw, tmp_path / "wh" / "earmark.duckdb", *FEATURES_BUILD, check=False)
    assert done.returncode != 0
    assert (
        f"{raw}: column '*': unsupported_path: the raw directory (var raw_dir) contains '\\' "
        "(DuckDB's file glob reads a backslash as a path separator)"
    ) in done.stdout


@pytest.mark.parametrize(("name", "character"), [("o'brien", "a single quote"), ('say"hi', "a double quote")])
def test_a_quote_in_the_warehouse_file_name_is_refused_naming_it(
    tmp_path: Path, name: str, character: str
) -> None:
    raw = write_world(tmp_path / "raw", ["C1"])
    db = tmp_path / "wh" / f"{name}.duckdb"
    done = run_dbt(raw, db, *FEATURES_BUILD, check=False)
    assert done.returncode != 0
    assert f"warehouse {db} (EARMARK_DB): unsupported_path: its file name contains {character}" in done.stdout
    assert "Parser Error" not in done.stdout


# --- an attribute column named with a double quote: refused by both checks --------------------------------


def test_a_double_quote_in_an_attribute_name_is_refused_by_validate_and_dbt(tmp_path: Path) -> None:
    raw = write_world(tmp_path / "raw", ["C1", "C2"], {'say "hi"': [1.0, 2.0], QUOTED_ATTRIBUTE: ["a", "b"]})
    violations = validate_dir(raw)
    assert [(v.file, v.column, v.rule) for v in violations] == [
        ("customers.parquet", 'say "hi"', "unsupported_column_name")
    ]
    assert "must not contain '\"'" in violations[0].detail
    done = run_dbt(raw, tmp_path / "wh" / "earmark.duckdb", *FEATURES_BUILD, check=False)
    assert done.returncode != 0
    assert (
        f"{raw}/customers.parquet: column 'say \"hi\"': unsupported_column_name: an extra column's name "
        "must not contain '\"'"
    ) in done.stdout
    assert QUOTED_ATTRIBUTE not in done.stdout  # a single quote is fine


# --- the whole pipeline with a quoted attribute as a feature and a covariate ------------------------------


@pytest.fixture(scope="module")
def quoted_pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("quoted_pipeline")
    raw = work / "shop's [2025]"
    simulate_world(raw, seed=42, scale=0.04)
    customers = pq.read_table(raw / "customers.parquet")
    tiers = np.random.default_rng(7).integers(1, 4, customers.num_rows)
    pq.write_table(customers.append_column(QUOTED_ATTRIBUTE, pa.array(tiers)), raw / "customers.parquet")
    db = work / "wh" / "earmark.duckdb"
    db.parent.mkdir()
    features = ["recency_days", "frequency", "monetary", QUOTED_ATTRIBUTE]
    run_dbt(
        raw,
        db,
        extra_vars=(
            f"segmentation_features: {json.dumps(features)}, "
            "segmentation_log_features: [recency_days, frequency, monetary], python_model_cache_dir: null"
        ),
    )
    return {"raw": raw, "db": db}


def test_the_pipeline_builds_with_a_quoted_attribute(quoted_pipeline: dict[str, Path]) -> None:
    raw, db = quoted_pipeline["raw"], quoted_pipeline["db"]
    people = pq.read_metadata(raw / "truth_users.parquet").num_rows
    assert query(db, "select count(*) from customers") == [(people,)]
    accounts = pq.read_metadata(raw / "accounts.parquet").num_rows
    assert query(db, "select count(*) from account_actions") == [(accounts,)]
    # a clustering feature, and (uplift_covariates null: every attribute) a covariate of the training set
    feature = QUOTED_ATTRIBUTE.replace("'", "''")
    assert query(db, f"select count(*) > 0 from cluster_feature_profiles where feature = '{feature}'") == [
        (True,)
    ]
    assert query(
        db, f'select count("{QUOTED_ATTRIBUTE}") > 0 from intermediate.int_campaign_training_set'
    ) == [(True,)]


def test_summary_reads_a_warehouse_in_an_odd_folder(quoted_pipeline: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "it's [here]" / "earmark.duckdb"
    db.parent.mkdir()
    shutil.copy(quoted_pipeline["db"], db)
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "summary", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Earmark warehouse: {db}" in done.stdout and "WARNING" not in done.stdout
