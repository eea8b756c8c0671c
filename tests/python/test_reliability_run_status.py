"""Reliability, a failed build (issue 12, item 6): a build that fails leaves the marts of an earlier one,
perhaps partly replaced. The run hooks record every build in main.run_status (running, then succeeded or
failed with the failed nodes), so `earmark summary` warns and `earmark check-warehouse` (run by
`make report`) refuses, naming the input of the last build that succeeded.

One warehouse goes through a sequence of builds of small worlds: a success, a model that fails, a
directory the contract check refuses, and a success again.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FEATURES_BUILD, customer_record, query, run_dbt

from earmark import contract
from earmark.reporting.warehouse import last_build_problem

pytestmark = pytest.mark.integration

STATUS = "select input_name, status, failed_nodes, failure_detail from run_status order by started_at"


def write_world(raw: Path, drop_unit_price: bool = False) -> Path:
    """Two customers with one sale each and zero-row optional files; optionally a contract violation."""
    raw.mkdir(parents=True)
    customers = [customer_record(ref) for ref in ("C1", "C2")]
    pq.write_table(
        pa.Table.from_pylist(customers, schema=contract.arrow_schema(contract.CUSTOMERS)),
        raw / "customers.parquet",
    )
    sales = pa.Table.from_pylist(
        [
            {
                "invoice_ref": f"INV-{ref}",
                "stock_code": "85123A",
                "description": "WHITE HANGING HEART",
                "quantity": 2,
                "unit_price": 2.55,
                "invoiced_at": datetime(2025, 3, 3, 10, 0),
                "customer_ref": ref,
                "country": "United Kingdom",
            }
            for ref in ("C1", "C2")
        ],
        schema=contract.arrow_schema(contract.TRANSACTIONS),
    )
    pq.write_table(
        sales.drop_columns(["unit_price"]) if drop_unit_price else sales, raw / "transactions.parquet"
    )
    for entity in contract.ENTITIES:
        if entity.name not in ("customers", "transactions") and not entity.may_be_absent:
            pq.write_table(contract.empty_table(entity), raw / entity.file_name)
    return raw


def cli(command: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "earmark.cli", command, "--db", str(db)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The warehouse after each step, as (run_status rows, summary output, check-warehouse process)."""
    work = tmp_path_factory.mktemp("run_status")
    shop_a, shop_b = write_world(work / "shop_a"), write_world(work / "shop_b", drop_unit_price=True)
    db = work / "wh" / "earmark.duckdb"
    db.parent.mkdir()
    steps: dict[str, object] = {"db": db}

    def after(step: str) -> None:
        steps[step] = (query(db, STATUS), cli("summary", db), cli("check-warehouse", db))

    run_dbt(shop_a, db, *FEATURES_BUILD)
    after("succeeded")
    failed = run_dbt(shop_a, db, *FEATURES_BUILD, check=False, extra_vars="as_of_date: not-a-date")
    assert failed.returncode != 0
    after("model_failed")
    refused = run_dbt(shop_b, db, *FEATURES_BUILD, check=False)
    assert refused.returncode != 0 and "column 'unit_price': column_missing" in refused.stdout
    after("refused")
    # dbt test reads only: not a build
    run_dbt(shop_a, db, "test", "--select", "data_quality", "--exclude", "assert_injected_defects_recovered")
    after("tested")
    run_dbt(shop_a, db, *FEATURES_BUILD)
    after("succeeded_again")
    return steps


def test_a_successful_build_is_recorded_and_no_warning_is_given(builds: dict) -> None:
    rows, summary, check = builds["succeeded"]
    assert rows == [("shop_a", "succeeded", 0, None)]
    assert "WARNING" not in summary.stdout and summary.returncode == 0
    assert check.returncode == 0 and check.stderr == ""


def test_a_failed_model_marks_the_build_failed_and_the_readers_say_so(builds: dict) -> None:
    rows, summary, check = builds["model_failed"]
    assert rows[-1] == ("shop_a", "failed", 1, "int_feature_as_of_date (error)")
    warning = (
        "WARNING: The last dbt build (input 'shop_a', started {}) failed: int_feature_as_of_date (error). "
        "The marts may be from an earlier build, or a mix where the failed one replaced some: the last "
        "build that succeeded read input 'shop_a'"
    )
    assert warning.split("{}")[0] in summary.stdout and warning.split("{}")[1] in summary.stdout
    assert summary.returncode == 0  # the summary still prints the marts
    assert check.returncode == 1
    assert f"{builds['db']}: The last dbt build (input 'shop_a'" in check.stderr
    assert "int_feature_as_of_date (error)" in check.stderr


def test_a_build_the_contract_check_refuses_is_recorded_too(builds: dict) -> None:
    # dbt runs no on-run-end after a failed on-run-start: the check records the refusal itself
    rows, summary, check = builds["refused"]
    assert rows[-1] == ("shop_b", "failed", 1, "raw input contract violated (1 problem(s))")
    assert "input 'shop_b'" in summary.stdout and "raw input contract violated" in summary.stdout
    assert "the last build that succeeded read input 'shop_a'" in summary.stdout
    assert check.returncode == 1


def test_dbt_test_is_not_recorded_as_a_build(builds: dict) -> None:
    assert builds["tested"][0] == builds["refused"][0]


def test_the_next_successful_build_clears_the_warning(builds: dict) -> None:
    rows, summary, check = builds["succeeded_again"]
    assert [status for _, status, _, _ in rows] == ["succeeded", "failed", "failed", "succeeded"]
    assert "WARNING" not in summary.stdout
    assert check.returncode == 0


def test_the_input_is_named_never_by_its_path(builds: dict) -> None:
    columns = query(builds["db"], "select input_name, node_selection, command from run_status")
    assert {name for name, _, _ in columns} == {"shop_a", "shop_b"}
    assert {(selection, command) for _, selection, command in columns} == {
        ("+data_quality +int_customer_features", "build")
    }


# --- the message on its own, on hand-written logs ---------------------------------------------------------


def _log(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "create table run_status (invocation_id varchar, command varchar, input_name varchar, "
        "node_selection varchar, status varchar, started_at timestamp, finished_at timestamp, "
        "failed_nodes integer, failure_detail varchar)"
    )
    for row in rows:
        con.execute("insert into run_status values (?, 'build', ?, null, ?, ?, ?, null, null)", row)
    return con


def test_a_build_that_never_finished_is_reported() -> None:
    con = _log(
        [
            ("a", "shop_a", "succeeded", datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 9, 5)),
            ("b", "shop_b", "running", datetime(2025, 1, 2, 9), None),
        ]
    )
    problem = last_build_problem(con)
    assert problem is not None
    assert "input 'shop_b', started 2025-01-02 09:00:00 UTC) did not finish" in problem
    assert "read input 'shop_a' (finished 2025-01-01 09:05:00 UTC)" in problem


def test_no_successful_build_at_all_is_said_plainly() -> None:
    con = _log([("a", "shop_a", "failed", datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 9, 1))])
    assert "no build of this warehouse has succeeded" in last_build_problem(con)


def test_a_warehouse_without_the_log_gives_no_warning() -> None:
    assert last_build_problem(duckdb.connect()) is None
    assert last_build_problem(_log([])) is None
