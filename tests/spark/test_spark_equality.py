"""The SQL layers build on Apache Spark (dbt-spark, session method) and give exactly DuckDB's results.

From the demo world: the DuckDB warehouse's customer_uplift_scores mart is written as the uplift_scores input
of a copy of the raw directory (the policy reads the model's scores as external scores, because dbt runs
Python models on Spark only through Databricks clusters). Then the seeds, staging, cleaning, identity,
feature, run-parameter and policy-gate models are built from that copy on DuckDB and on a local Spark,
and every table is compared: same columns, same keys, same values (floats to 1e-9).

EARMARK_SOURCE_DB names a built demo warehouse to take the scores from (make test-spark passes the one
test-dbt built); without it the test builds one.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_DIR = PROJECT_ROOT / "data" / "demo"

# Everything SQL up to the account policy gates; the Python models (segmentation, uplift) are left out.
SELECTION = [
    "path:seeds",
    "path:models/staging",
    "path:models/intermediate/cleaning",
    "path:models/intermediate/identity",
    "path:models/intermediate/features",
    "int_run_parameters",
    "int_customer_policy_uplift",
    "int_customer_conversion_value",
    "int_account_uplift_rollup",
    "int_account_policy_gates",
]
# Unit tests of the selection whose given inputs are models this selection does not build on Spark (the
# uplift training set, the Python value models): a unit test reads its inputs' column types from the
# warehouse. They run on DuckDB in every build.
UNIT_TESTS_OFF_SPARK = [
    "unit_test:conversion_value_from_account_revenue_is_shrunk_to_the_overall_mean",
    "unit_test:conversion_value_from_clv_falls_back_to_the_mean_clv",
]
SCHEMAS = ("seeds", "staging", "intermediate")
# Bookkeeping of DuckDB's incremental cleaning (a hash with DuckDB's hash function); Spark builds those
# models as plain tables, with its own hash.
ENGINE_SPECIFIC_COLUMNS = {"inputs_fingerprint"}
# What the demo world (seed 42, scale 1) must give; a wrong selection or an empty build fails here.
EXPECTED_ROWS = {
    "stg_raw__transactions": 340557,
    "int_transactions_cleaned": 340557,
}
FLOAT_TOLERANCE = 1e-9


def _dbt(
    target: str, raw_dir: Path, work: Path, env: dict[str, str], *args: str, scores: str = "external"
) -> None:
    """Run dbt with the given arguments on raw_dir; scores: the var uplift_score_source."""
    command = [
        str(BIN / "dbt"),
        *args,
        "--target",
        target,
        "--vars",
        json.dumps({"raw_dir": str(raw_dir), "uplift_score_source": scores}),
        "--target-path",
        str(work / f"dbt_target_{target}"),
        "--log-path",
        str(work / f"dbt_logs_{target}"),
    ]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        summary = "\n".join(line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line)
        raise AssertionError(f"dbt {' '.join(args)} --target {target} failed:\n{summary[-8000:]}")


def _source_warehouse(work: Path, env: dict[str, str]) -> Path:
    """A demo-world DuckDB warehouse with the customer_uplift_scores mart: EARMARK_SOURCE_DB, or built
    here."""
    given = os.environ.get("EARMARK_SOURCE_DB")
    if given and Path(given).is_file():
        return Path(given)
    db_path = work / "source.duckdb"
    build = (
        "build",
        "--select",
        "+customer_uplift_scores",
        "--resource-type",
        "model",
        "--resource-type",
        "seed",
    )
    _dbt("dev", DEMO_DIR, work, {**env, "EARMARK_DB": str(db_path)}, *build, scores="model")
    return db_path


def _write_raw_copy(source_db: Path, raw_dir: Path) -> int:
    """Copy the demo world's raw files and add uplift_scores.parquet (contract columns) from the model's
    scores: one row per treatment assignment and treated arm, keyed by the raw customer reference."""
    raw_dir.mkdir()
    for parquet in DEMO_DIR.glob("*.parquet"):
        shutil.copy(parquet, raw_dir / parquet.name)
    with duckdb.connect(str(source_db), read_only=True) as con:
        con.execute(
            f"""
            copy (
                select
                    treatments.customer_ref,
                    scores.campaign_id,
                    scores.scored_arm as arm,
                    scores.uplift as predicted_uplift,
                    timestamp '2026-01-01 00:00:00' as scored_at
                from customer_uplift_scores as scores
                inner join read_parquet('{raw_dir}/treatments.parquet', file_row_number = true) as treatments
                    on scores.treatment_row_number = treatments.file_row_number + 1
                where not scores.is_control_arm
            ) to '{raw_dir}/uplift_scores.parquet' (format parquet)
            """
        )
        return con.sql(f"select count(*) from '{raw_dir}/uplift_scores.parquet'").fetchall()[0][0]


def _keys(manifest_path: Path) -> dict[str, list[str]]:
    """Per model or seed, the columns its unique (or unique_combination) test declares as the key."""
    manifest = json.loads(manifest_path.read_text())
    keys: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or meta.get("name") not in ("unique", "unique_combination"):
            continue
        parent = node.get("attached_node") or ""
        columns = [meta["kwargs"]["column_name"]] if meta["name"] == "unique" else meta["kwargs"]["columns"]
        keys.setdefault(parent.split(".")[-1], columns)
    return keys


def _normalise(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Spark's Arrow timestamps carry the session time zone (UTC); DuckDB's are naive
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _rows(table) -> list[tuple]:
    """The rows of an Arrow table as tuples of Python values (much faster than collecting Spark rows)."""
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def _same(left: object, right: object) -> bool:
    left, right = _normalise(left), _normalise(right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return math.isclose(left, right, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(left, (datetime, date, str)):
        return type(left) is type(right) and left == right
    return left == right


def _spark_session(spark_dir: Path):
    """A pyspark session on the metastore and warehouse dbt-spark wrote (settings as in profiles.yml)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .enableHiveSupport()
        .getOrCreate()
    )


Result = tuple[list[str], list[tuple]]


def _without(columns: set[str], result: Result) -> Result:
    """A result without the given columns."""
    names, rows = result
    kept = [i for i, name in enumerate(names) if name not in columns]
    return [names[i] for i in kept], [tuple(row[i] for i in kept) for row in rows]


def _compare(name: str, key: list[str], duck: Result, spark: Result) -> None:
    """Assert two results hold the same columns, the same keys and, key by key, the same values."""
    duck_columns, duck_rows = duck
    spark_columns, spark_rows = spark
    assert spark_columns == duck_columns, f"{name}: columns: duckdb {duck_columns}, spark {spark_columns}"
    key_at = [duck_columns.index(column) for column in key]

    def keyed(rows: list) -> dict[tuple, tuple]:
        out = {tuple(row[i] for i in key_at): tuple(row) for row in rows}
        assert len(out) == len(rows), f"{name}: key {key} is not unique"
        return out

    duck_by_key, spark_by_key = keyed(duck_rows), keyed(spark_rows)
    assert spark_by_key.keys() == duck_by_key.keys(), (
        f"{name}: keys differ: {len(duck_by_key.keys() - spark_by_key.keys())} only in DuckDB, "
        f"{len(spark_by_key.keys() - duck_by_key.keys())} only in Spark"
    )
    for position, column in enumerate(duck_columns):
        different = [
            key for key, row in duck_by_key.items() if not _same(row[position], spark_by_key[key][position])
        ]
        assert not different, (
            f"{name}.{column}: {len(different)} of {len(duck_by_key)} rows differ, e.g. key {different[0]}: "
            f"duckdb {duck_by_key[different[0]][position]!r}, spark {spark_by_key[different[0]][position]!r}"
        )


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on PATH: the Spark target needs Java 17")
def test_spark_builds_the_sql_layers_with_duckdbs_results(tmp_path: Path) -> None:
    assert (DEMO_DIR / "manifest.json").is_file(), "simulate the demo world first (make simulate)"
    started = time.monotonic()
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "EARMARK_SPARK_DIR": str(tmp_path / "spark"),
        "TZ": "UTC",
    }
    raw_dir = tmp_path / "raw"
    score_rows = _write_raw_copy(_source_warehouse(tmp_path, env), raw_dir)
    assert score_rows > 1000, "the demo world's model should score thousands of assignments"

    duck_db = tmp_path / "selection.duckdb"
    build = (
        "build",
        "--select",
        *SELECTION,
        "--exclude",
        *UNIT_TESTS_OFF_SPARK,
        "--indirect-selection",
        "cautious",
    )
    _dbt("dev", raw_dir, tmp_path, {**env, "EARMARK_DB": str(duck_db)}, *build)
    _dbt("spark", raw_dir, tmp_path, env, *build)
    keys = _keys(tmp_path / "dbt_target_dev" / "manifest.json")

    spark = _spark_session(tmp_path / "spark")
    try:
        with duckdb.connect(str(duck_db), read_only=True) as con:
            duck_tables = {
                (schema, name)
                for schema, name in con.sql(
                    "select table_schema, table_name from information_schema.tables "
                    f"where table_schema in {SCHEMAS}"
                ).fetchall()
            }
            spark_tables = {
                (schema, row.tableName)
                for schema in SCHEMAS
                for row in spark.sql(f"show tables in {schema}").collect()
                if not row.isTemporary
            }
            assert spark_tables == duck_tables
            names = {name for _, name in duck_tables}
            assert {"int_account_policy_gates", "int_customer_features", "cleaning_rules"} <= names
            assert not any(name.startswith(("uplift_", "segmentation_")) for name in names)

            counts = {}
            for schema, name in sorted(duck_tables):
                relation = con.sql(f"select * from {schema}.{name}")
                duck = (relation.columns, relation.fetchall())
                arrow = spark.table(f"{schema}.{name}").toArrow()
                spark_result = (arrow.column_names, _rows(arrow))
                assert duck[1], f"{schema}.{name} is empty"
                duck, spark_result = (_without(ENGINE_SPECIFIC_COLUMNS, r) for r in (duck, spark_result))
                _compare(f"{schema}.{name}", keys.get(name, duck[0]), duck, spark_result)
                counts[name] = len(duck[1])
    finally:
        spark.stop()

    for name, rows in EXPECTED_ROWS.items():
        assert counts[name] == rows, f"{name}: {counts[name]} rows, expected {rows}"
    scored = counts["int_customer_policy_uplift"]
    assert 20000 < scored <= score_rows
    print(f"\n{len(counts)} tables equal on DuckDB and Spark in {time.monotonic() - started:.0f} s")
