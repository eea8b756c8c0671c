"""Incremental equals full, or refuses (issue 12, item 2). Yesterday's warehouse is built once; each case
changes the raw transactions and activity files in one way (the lines of the new day appended on top, as
a real day would), builds today's input on a copy of yesterday's warehouse, and checks that every table
of every schema equals a full build of the same input, or that the build stopped naming the file and
asking for --full-refresh."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_dbt

from earmark.simulate import simulate_world
from earmark.simulate.new_day import split_last_day

pytestmark = pytest.mark.integration

SEED = 11
SCALE = 0.1
FILES = ("transactions", "activity")
MODELS = {"transactions": "int_transactions_cleaned", "activity": "int_activity_cleaned"}
KEYS = {"transactions": "transaction_line_number", "activity": "activity_row_number"}
CLEANING = ("build", "--select", "+int_transactions_cleaned", "+int_activity_cleaned")
# the simulator's manifest lists the defects it injected; lines a case adds or changes are not in it
EVERYTHING = ("build", "--exclude", "assert_injected_defects_recovered")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("reliability_incremental")
    simulate_world(work / "raw", seed=SEED, scale=SCALE)
    split_last_day(work / "raw", work / "before", work / "after")
    yesterday = work / "yesterday" / "earmark.duckdb"
    run_dbt(work / "before", yesterday, extra_vars=f'python_model_cache_dir: "{work / "cache"}"')
    return {"work": work, "yesterday": yesterday}


# Each change takes yesterday's lines and today's appended lines of one file and returns the new file.
Change = Callable[[pa.Table, pa.Table], pa.Table]


def edited(before: pa.Table, appended: pa.Table) -> pa.Table:
    """Line 5 of yesterday gets another value in its first numeric column (quantity, sessions)."""
    column = "quantity" if "quantity" in before.column_names else "sessions"
    values = before.column(column).to_pylist()
    values[4] = (values[4] or 0) + 7
    index = before.column_names.index(column)
    changed = before.set_column(index, column, pa.array(values, before.schema.field(column).type))
    return pa.concat_tables([changed, appended])


def deleted(before: pa.Table, appended: pa.Table) -> pa.Table:
    """Line 5 of yesterday is gone; today's lines still make the file longer than yesterday's."""
    return pa.concat_tables([before.slice(0, 4), before.slice(5), appended])


def inserted(before: pa.Table, appended: pa.Table) -> pa.Table:
    """A line of today is inserted after line 5 of yesterday instead of at the end."""
    return pa.concat_tables([before.slice(0, 5), appended.slice(0, 1), before.slice(5), appended.slice(1)])


def reordered(before: pa.Table, appended: pa.Table) -> pa.Table:
    """Lines 3 and 10 of yesterday swap places."""
    order = list(range(before.num_rows))
    order[2], order[9] = order[9], order[2]
    return pa.concat_tables([before.take(order), appended])


def appended_day(before: pa.Table, appended: pa.Table) -> pa.Table:
    """The append-only case: today's lines at the end."""
    return pa.concat_tables([before, appended])


def duplicate_appended(before: pa.Table, appended: pa.Table) -> pa.Table:
    """Today's lines, then exact copies of three of yesterday's lines (exact duplicates of built lines)."""
    return pa.concat_tables([before, appended, before.take([0, 10, 20])])


def write_input(world: dict[str, Path], name: str, change: Change, base: str = "after") -> Path:
    """A raw directory: every file of `base` (yesterday's or today's input), with transactions and
    activity rewritten by `change` from yesterday's lines and today's appended ones."""
    work = world["work"]
    raw = work / name / "raw"
    raw.mkdir(parents=True)
    for path in (work / base).glob("*.parquet"):
        shutil.copy2(path, raw / path.name)
    for file in FILES:
        before = pq.read_table(work / "before" / f"{file}.parquet")
        after = pq.read_table(work / "after" / f"{file}.parquet")
        appended = after.slice(before.num_rows) if base == "after" else after.slice(after.num_rows)
        pq.write_table(change(before, appended), raw / f"{file}.parquet")
    return raw


def incremental_on_yesterday(world: dict[str, Path], name: str, raw: Path, *args: str, check: bool = True):
    warehouse = world["work"] / name / "incremental" / "earmark.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(world["yesterday"], warehouse)
    cache = f'python_model_cache_dir: "{world["work"] / "cache"}"'
    return warehouse, run_dbt(raw, warehouse, *args, check=check, extra_vars=cache)


def differing_tables(full: Path, incremental: Path) -> dict[str, int]:
    """Every base table of every schema, compared as multisets of rows both ways: table -> rows differing."""
    con = duckdb.connect()
    con.sql(f"attach '{full}' as full_build (read_only)")
    con.sql(f"attach '{incremental}' as incremental_build (read_only)")
    listing = (
        "select table_schema, table_name from information_schema.tables where table_catalog = '{}' "
        # run_status logs each build (its id and times), so it differs by design
        "and table_type = 'BASE TABLE' and table_name != 'run_status' order by all"
    )
    built = con.sql(listing.format("full_build")).fetchall()
    assert built == con.sql(listing.format("incremental_build")).fetchall()
    assert len(built) > 50  # every seed, intermediate and mart table
    differing = {}
    for schema, table in built:
        left, right = f"full_build.{schema}.{table}", f"incremental_build.{schema}.{table}"
        rows = sum(
            con.sql(f"select count(*) from (from {a} except all from {b})").fetchall()[0][0]
            for a, b in ((left, right), (right, left))
        )
        if rows:
            differing[f"{schema}.{table}"] = rows
    return differing


RESTATUSED = {"edit": edited, "delete": deleted, "insert_in_the_middle": inserted, "reorder": reordered}


@pytest.mark.parametrize(
    "case,change",
    [*RESTATUSED.items(), ("append", appended_day), ("duplicate_append", duplicate_appended)],
)
def test_incremental_equals_a_full_build(world: dict[str, Path], case: str, change: Change) -> None:
    raw = write_input(world, case, change)
    warehouse, done = incremental_on_yesterday(world, case, raw, *EVERYTHING)
    full = world["work"] / case / "full" / "earmark.duckdb"
    run_dbt(raw, full, *EVERYTHING, extra_vars=f'python_model_cache_dir: "{world["work"] / "cache"}"')
    assert differing_tables(full, warehouse) == {}
    compiled = (
        warehouse.parent / "dbt_target" / "compiled" / "earmark" / "models" / "intermediate" / "cleaning"
    )
    before_lines = {
        file: pq.read_metadata(world["work"] / "before" / f"{file}.parquet").num_rows for file in FILES
    }
    for file in FILES:
        sql = (compiled / f"{MODELS[file]}.sql").read_text()
        if case in RESTATUSED:
            # the changed first lines were found: every line restatused, and the log says which file
            assert f"where {KEYS[file]} >" not in sql, file
            assert f"{raw}/{file}.parquet changed in its first {before_lines[file]} lines" in done.stdout
        else:
            assert f"where {KEYS[file]} > {before_lines[file]}" in sql, file  # only the new lines
    if case == "duplicate_append":
        appended_copies = (
            "select count(*) from intermediate.int_transactions_cleaned "
            "where line_status = 'exact_duplicate' and transaction_line_number > {}"
        )
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.sql(appended_copies.format(before_lines["transactions"])).fetchall()[0][0] >= 3


def test_a_file_with_lines_deleted_and_nothing_appended_is_refused(world: dict[str, Path]) -> None:
    raw = write_input(world, "delete_only", deleted, base="before")
    _, done = incremental_on_yesterday(world, "delete_only", raw, *CLEANING, check=False)
    assert done.returncode != 0
    for file in FILES:
        built = pq.read_metadata(world["work"] / "before" / f"{file}.parquet").num_rows
        assert (
            f"{MODELS[file]}: {raw}/{file}.parquet has {built - 1} lines, fewer than the {built} the last "
            "build statused, so it was not appended to" in done.stdout.replace("\n", " ")
        ), file
    assert "--full-refresh" in done.stdout
