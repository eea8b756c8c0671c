"""Incremental builds: a new day appended to transactions and activity, built on top of yesterday's
warehouse, gives exactly the warehouse a full rebuild gives, while cleaning statuses only the new lines
and the uplift and churn fits are reused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import run_dbt

from earmark.simulate import simulate_world
from earmark.simulate.new_day import split_last_day

pytestmark = pytest.mark.integration

SEED = 11
SCALE = 0.1


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("incremental")
    simulate_world(work / "raw", seed=SEED, scale=SCALE)
    split = split_last_day(work / "raw", work / "before", work / "after")
    assert split.rows_appended["transactions"] > 0 and split.rows_appended["activity"] > 0
    # full rebuild of today's input, with no cache to reuse
    run_dbt(work / "after", work / "full" / "earmark.duckdb", extra_vars="python_model_cache_dir: null")
    # yesterday's build, then today's on top of it, sharing one cache
    cache = f'python_model_cache_dir: "{work / "cache"}"'
    incremental = work / "incremental" / "earmark.duckdb"
    run_dbt(work / "before", incremental, extra_vars=cache)
    run_dbt(work / "after", incremental, extra_vars=cache)
    return {"work": work, "full": work / "full" / "earmark.duckdb", "incremental": incremental}


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.sql(sql).fetchall()[0][0]


def tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.sql(
        f"select table_schema, table_name from information_schema.tables where table_catalog = '{catalog}' "
        # run_status logs each build (its id and times), so it differs by design
        "and table_type = 'BASE TABLE' and table_name != 'run_status' order by all"
    ).fetchall()


def test_split_last_day_appends_the_days_lines_at_the_end(days: dict[str, Path]) -> None:
    work = days["work"]
    for name, column in (("transactions", "invoiced_at"), ("activity", "activity_date")):
        raw = pq.read_table(work / "raw" / f"{name}.parquet")
        before = pq.read_table(work / "before" / f"{name}.parquet")
        after = pq.read_table(work / "after" / f"{name}.parquet")
        assert after.schema == raw.schema == before.schema
        assert after.num_rows == raw.num_rows > before.num_rows
        assert after.slice(0, before.num_rows).equals(before)  # earlier lines keep their numbers
        days_of = pc.cast(after.column(column), pa.date32())
        appended = pc.unique(days_of.slice(before.num_rows)).to_pylist()
        assert appended == [pc.max(days_of).as_py()]  # the appended lines are all of the last day
        assert pc.max(days_of.slice(0, before.num_rows)).as_py() < appended[0]


def test_incremental_build_equals_a_full_rebuild(days: dict[str, Path]) -> None:
    con = duckdb.connect()
    con.sql(f"attach '{days['full']}' as full_build (read_only)")
    con.sql(f"attach '{days['incremental']}' as incremental_build (read_only)")
    built = tables(con, "full_build")
    assert built == tables(con, "incremental_build")
    assert len(built) > 50  # every seed, intermediate and mart table (56 today)
    for schema, table in built:
        full, incremental = f"full_build.{schema}.{table}", f"incremental_build.{schema}.{table}"
        rows = scalar(con, f"select count(*) from {full}")
        assert scalar(con, f"select count(*) from {incremental}") == rows, table
        for left, right in ((full, incremental), (incremental, full)):
            differing = scalar(con, f"select count(*) from (from {left} except all from {right})")
            assert differing == 0, f"{table}: {differing} of {rows} rows differ"
    kept = scalar(con, "select count(*) from incremental_build.intermediate.int_transactions_cleaned")
    assert kept == pq.read_metadata(days["work"] / "after" / "transactions.parquet").num_rows


def test_cleaning_statused_only_the_new_lines(days: dict[str, Path]) -> None:
    compiled = days["incremental"].parent / "dbt_target" / "compiled" / "earmark" / "models" / "intermediate"
    for name, key in (("transactions", "transaction_line_number"), ("activity", "activity_row_number")):
        before_rows = pq.read_metadata(days["work"] / "before" / f"{name}.parquet").num_rows
        sql = (compiled / "cleaning" / f"int_{name}_cleaned.sql").read_text()
        assert f"where {key} > {before_rows}" in sql, name


def test_the_uplift_and_churn_fits_were_reused(days: dict[str, Path]) -> None:
    # the uplift and churn fits are stored as fitted models (today's customers are scored from them on every
    # build), the validation and the churn folds' scores as their output frames
    for model, stored in (
        ("int_uplift_learner_scores", "*.pickle"),
        ("int_uplift_validation", "*.parquet"),
        ("int_customer_churn", "*.pickle"),
        ("int_churn_out_of_fold", "*.parquet"),
    ):
        hits = json.loads((days["work"] / "cache" / model / "hits.json").read_text())
        assert list(hits.values()) == [1], model  # computed for yesterday, reused today
        assert len(list((days["work"] / "cache" / model).glob(stored))) == 1


def copy_of_incremental(days: dict[str, Path], name: str) -> Path:
    """A copy of the incremental warehouse, so a test that builds on it leaves the others' alone."""
    copy = days["work"] / name / "earmark.duckdb"
    copy.parent.mkdir()
    shutil.copy2(days["incremental"], copy)
    return copy


def test_changed_identity_restatuses_every_line(days: dict[str, Path]) -> None:
    work = days["work"]
    warehouse = copy_of_incremental(days, "identity_changed_build")
    changed = work / "changed_identity"
    changed.mkdir()
    for path in (work / "after").iterdir():
        (changed / path.name).write_bytes(path.read_bytes())
    customers = pq.read_table(changed / "customers.parquet")
    pq.write_table(customers.slice(1), changed / "customers.parquet")  # one customer record fewer
    selection = ("build", "--select", "+int_transactions_cleaned", "--exclude", "test_type:data")
    run_dbt(changed, warehouse, *selection, extra_vars="python_model_cache_dir: null")
    sql = (
        warehouse.parent
        / "dbt_target/compiled/earmark/models/intermediate/cleaning"
        / "int_transactions_cleaned.sql"
    ).read_text()
    assert "where transaction_line_number >" not in sql
    fresh = work / "changed_full" / "earmark.duckdb"
    run_dbt(changed, fresh, *selection, extra_vars="python_model_cache_dir: null")
    con = duckdb.connect()
    con.sql(f"attach '{fresh}' as fresh (read_only)")
    con.sql(f"attach '{warehouse}' as incremental_build (read_only)")
    relation = "intermediate.int_transactions_cleaned"
    for left, right in (("fresh", "incremental_build"), ("incremental_build", "fresh")):
        assert (
            scalar(con, f"select count(*) from (from {left}.{relation} except all from {right}.{relation})")
            == 0
        )
    unknown = scalar(con, f"select count(*) from fresh.{relation} where line_status = 'unknown_customer'")
    assert unknown > 0


def test_a_raw_file_that_shrank_is_refused(days: dict[str, Path]) -> None:
    done = run_dbt(
        days["work"] / "before",
        copy_of_incremental(days, "shrunk_input_build"),
        "build",
        "--select",
        "+int_transactions_cleaned",  # the staging view must be rebuilt on the shrunk file too
        "--exclude",
        "test_type:data",
        check=False,
        extra_vars="python_model_cache_dir: null",
    )
    assert done.returncode != 0
    assert "fewer than the" in done.stdout and "was not appended to" in done.stdout
