"""Readers of the warehouse while a build writes it: Earmark's own readers (earmark summary, results,
check-warehouse, which `make report` runs before the report's source extraction) say that a build
holds the file and how to read anyway, instead of DuckDB's bare IO error."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from earmark.reporting.results import warehouse_figures
from earmark.reporting.warehouse import WarehouseLocked, WarehouseMissing, connect_read_only

pytestmark = pytest.mark.unit

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists data_quality (x integer)")
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def held_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A warehouse file with a writer in another process (as `dbt build` is), for the test's duration."""
    db = tmp_path / "earmark.duckdb"
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding"
        yield db
    finally:
        writer.terminate()
        writer.wait(timeout=10)


def _assert_clear(message: str, db: Path) -> None:
    assert str(db) in message
    assert "being written" in message and "dbt build" in message
    assert "PID" in message  # who holds it
    assert "cp " in message and "make report" in message  # how to read anyway


def test_connect_read_only_names_the_lock_and_the_way_out(held_warehouse: Path) -> None:
    with pytest.raises(WarehouseLocked) as error:
        connect_read_only(held_warehouse)
    _assert_clear(str(error.value), held_warehouse)


@pytest.mark.parametrize("command", ["summary", "check-warehouse"])
def test_cli_readers_print_the_lock_message(held_warehouse: Path, command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", command, "--db", str(held_warehouse)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    _assert_clear(done.stderr, held_warehouse)


def test_results_reader_raises_the_lock_message(held_warehouse: Path) -> None:
    with pytest.raises(WarehouseLocked) as error:
        warehouse_figures(held_warehouse)
    _assert_clear(str(error.value), held_warehouse)


def test_a_copy_reads_while_the_build_writes(tmp_path: Path) -> None:
    """The documented way to read during a build: a copy of the file taken before it started."""
    db = tmp_path / "earmark.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table data_quality as select 1 as x")
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding"
        with connect_read_only(copy) as con:
            assert con.sql("select x from data_quality").fetchall() == [(1,)]
    finally:
        writer.terminate()
        writer.wait(timeout=10)


def test_missing_warehouse_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(WarehouseMissing, match="make build"):
        connect_read_only(tmp_path / "none.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "check-warehouse", "--db", str(tmp_path / "none.duckdb")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "no warehouse yet" in done.stderr


def test_check_warehouse_passes_on_a_free_file(tmp_path: Path) -> None:
    db = tmp_path / "earmark.duckdb"
    duckdb.connect(str(db)).close()
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "check-warehouse", "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_compare_warehouses_prints_the_lock_message(held_warehouse: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "compare-warehouses", str(other), str(held_warehouse)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    _assert_clear(done.stderr, held_warehouse)
