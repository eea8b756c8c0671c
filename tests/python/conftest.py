"""Shared fixtures: building a warehouse with dbt from a raw directory, and the public data sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Whether the test being set up or run is a unit test (tiers: tests/conftest.py), so run_dbt can refuse it.
_running = {"unit": False}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # tryfirst: before the test's fixtures, which is where the module-scoped builds run
    _running["unit"] = item.get_closest_marker("unit") is not None


# A build of the cleaning lineage, data_quality and the customer features, with their data tests: what
# the reliability tests build their small raw directories with (no unit tests, no truth-file check, no
# tests of the segmentation models, which are not built here).
FEATURES_BUILD = (
    "build",
    "--select",
    "+data_quality",
    "+int_customer_features",
    "--exclude",
    "test_type:unit",
    "assert_injected_defects_recovered",  # needs the truth files these worlds leave out
    "--indirect-selection",
    "cautious",
)


def customer_record(ref: str, **overrides: object) -> dict:
    """One row of customers.parquet for the small raw directories: account A1, a June 2024 signup."""
    from datetime import datetime

    row = {
        "customer_ref": ref,
        "email": f"{ref.lower()}@example.com",
        "account_ref": "A1",
        "role": "user",
        "signup_at": datetime(2024, 6, 1),
        "country": "United Kingdom",
        "is_premium": False,
    }
    return {**row, **overrides}


def case_study_vars(name: str) -> str:
    """The dbt vars of a case study (case_studies/<name>.vars, also read by `make results`): YAML flow
    syntax without the braces, comments dropped."""
    lines = (PROJECT_ROOT / "case_studies" / f"{name}.vars").read_text().splitlines()
    return " ".join(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def run_dbt(
    raw_dir: Path, db_path: Path, *args: str, check: bool = True, extra_vars: str = ""
) -> subprocess.CompletedProcess:
    """Run `dbt build` (or the given dbt arguments) on raw_dir into db_path; return the finished process.
    extra_vars: further dbt vars in YAML flow syntax, e.g. 'segmentation_scaler: robust'."""
    if _running["unit"]:
        raise AssertionError("a unit test ran dbt: mark it integration (tiers: tests/conftest.py)")
    env = {
        **os.environ,
        "EARMARK_DB": str(db_path),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    command = [
        str(BIN / "dbt"),
        *(args or ("build",)),
        "--vars",
        # a JSON string is a YAML scalar, so a path with quotes or backslashes arrives as given
        f"{{raw_dir: {json.dumps(str(raw_dir))}{', ' + extra_vars if extra_vars else ''}}}",
        "--target-path",
        str(db_path.parent / "dbt_target"),
        "--log-path",
        str(db_path.parent / "dbt_logs"),
    ]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"dbt failed ({done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
    return done


def query(db_path: Path, sql: str) -> list[tuple]:
    """Rows of a query against a built warehouse, opened read-only."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The public data sets folder from EARMARK_DATASETS; skips visibly when unset."""
    value = os.environ.get("EARMARK_DATASETS")
    if not value:
        pytest.skip("EARMARK_DATASETS is not set: real-data tests need the public data sets folder")
    path = Path(value).resolve()
    if not path.is_dir():
        pytest.skip(f"EARMARK_DATASETS={value} is not a directory")
    return path
