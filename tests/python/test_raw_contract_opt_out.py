"""The on-run-start contract check is on by default and can be turned off (var check_raw_contract), for a
project that installs Earmark as a package and checks its inputs its own way. A seed-only build on a raw
directory without any Parquet file shows both: refused with the check, built without it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, query, run_dbt

pytestmark = pytest.mark.integration

SEED_ONLY = ("build", "--select", "policy_gates")


def seed_rows() -> int:
    with (PROJECT_ROOT / "seeds" / "policy_gates.csv").open(newline="") as seed:
        return sum(1 for _ in csv.DictReader(seed))


def test_the_check_refuses_a_directory_without_parquet_files(tmp_path: Path) -> None:
    empty = tmp_path / "no_parquet"
    empty.mkdir()
    done = run_dbt(empty, tmp_path / "on.duckdb", *SEED_ONLY, check=False)
    assert done.returncode != 0
    assert f"{empty}: column '*': directory_missing" in done.stdout


def test_with_the_check_off_the_same_build_runs(tmp_path: Path) -> None:
    empty = tmp_path / "no_parquet"
    empty.mkdir()
    db = tmp_path / "off.duckdb"
    done = run_dbt(empty, db, *SEED_ONLY, extra_vars="check_raw_contract: false")
    assert "directory_missing" not in done.stdout
    assert query(db, "select count(*) from seeds.policy_gates") == [(seed_rows(),)]
