"""Reliability, time (issue 12, item 5): time has one meaning.

Timestamps with an offset (text with +09:00, a TIMESTAMPTZ column) are converted to the var time_zone
(default UTC), never dropped, and the build gives the same answer under any machine TZ. Dates outside the
plausible window (vars plausible_date_min, plausible_date_max) are flagged with their own status and not
used: they move neither the as-of date nor anyone's tenure.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FEATURES_BUILD, query, run_dbt

from earmark import contract
from earmark.contract.validate import validate_dir

pytestmark = pytest.mark.integration


def customer(ref: str, signup: object) -> dict:
    return {
        "customer_ref": ref,
        "email": f"{ref.lower()}@example.com",
        "account_ref": "A1",
        "role": "user",
        "signup_at": signup,
        "country": "Japan",
        "is_premium": False,
    }


def sale(invoice: str, at: str, ref: str) -> dict:
    return {
        "invoice_ref": invoice,
        "stock_code": "85123A",
        "description": "WHITE HANGING HEART",
        "quantity": 2,
        "unit_price": 3.0,
        "invoiced_at": at,
        "customer_ref": ref,
        "country": "Japan",
    }


def day(ref: str, on: date) -> dict:
    return {"customer_ref": ref, "activity_date": on, "sessions": 1, "actions": 5, "active_minutes": 7.0}


def with_type(entity: contract.Entity, column: str, type_: pa.DataType) -> pa.Schema:
    schema = contract.arrow_schema(entity)
    return schema.set(schema.get_field_index(column), pa.field(column, type_))


def write_world(raw: Path, customers: pa.Table, transactions: pa.Table, activity: pa.Table) -> Path:
    raw.mkdir(parents=True)
    tables = {"customers": customers, "transactions": transactions, "activity": activity}
    for entity in contract.ENTITIES:
        if entity.may_be_absent:
            continue
        pq.write_table(tables.get(entity.name, contract.empty_table(entity)), raw / entity.file_name)
    assert validate_dir(raw) == []  # offsets, TIMESTAMPTZ and out-of-window dates are all valid input
    return raw


def customer_id(ref: str) -> str:
    """The resolved id of a customer of these worlds (its matching key is its e-mail)."""
    with duckdb.connect() as con:
        return con.sql(f"select 'C' || left(md5('email:{ref.lower()}@example.com'), 16)").fetchall()[0][0]


# --- offsets and time zones -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("zoned")
    # signups as a TIMESTAMPTZ column: 00:30 UTC is still the previous day in New York
    customers = pa.Table.from_pylist(
        [
            customer("C1", datetime(2024, 6, 1, 0, 30, tzinfo=UTC)),
            customer("C2", datetime(2024, 6, 2, 23, 30, tzinfo=UTC)),
        ],
        schema=with_type(contract.CUSTOMERS, "signup_at", pa.timestamp("us", tz="UTC")),
    )
    # invoice times as text, with and without offsets
    transactions = pa.Table.from_pylist(
        [
            sale("tokyo", "2025-03-01 10:00:00+09:00", "C1"),  # 01:00 UTC
            sale("zulu", "2025-03-01T01:00:00Z", "C1"),  # 01:00 UTC
            sale("new-york", "2025-03-01 23:30:00-05:00", "C2"),  # 04:30 UTC the next day
            sale("india", "2025-03-01 12:00:00+0530", "C2"),  # 06:30 UTC
            sale("naive", "2025-03-01 02:00:00", "C2"),  # taken to be in time_zone already
        ],
        schema=with_type(contract.TRANSACTIONS, "invoiced_at", pa.string()),
    )
    activity = pa.Table.from_pylist(
        [day("C1", date(2025, 3, 1))], schema=contract.arrow_schema(contract.ACTIVITY)
    )
    raw = write_world(work / "raw", customers, transactions, activity)
    builds = {}
    saved = os.environ.get("TZ")
    try:
        for name, machine_tz, extra in (
            ("tokyo_machine", "Asia/Tokyo", ""),
            ("new_york_machine", "America/New_York", ""),
            ("tokyo_zone", "UTC", "time_zone: Asia/Tokyo"),
        ):
            os.environ["TZ"] = machine_tz
            builds[name] = work / name / "earmark.duckdb"
            run_dbt(raw, builds[name], *FEATURES_BUILD, extra_vars=extra)
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
    return builds


def invoice_times(db: Path) -> dict[str, datetime]:
    return dict(query(db, "select invoice_ref, invoiced_at from intermediate.int_transactions_cleaned"))


def test_text_offsets_are_converted_to_utc_not_dropped(zoned: dict[str, Path]) -> None:
    assert invoice_times(zoned["tokyo_machine"]) == {
        "tokyo": datetime(2025, 3, 1, 1, 0),
        "zulu": datetime(2025, 3, 1, 1, 0),
        "new-york": datetime(2025, 3, 2, 4, 30),
        "india": datetime(2025, 3, 1, 6, 30),
        "naive": datetime(2025, 3, 1, 2, 0),
    }
    statuses = query(
        zoned["tokyo_machine"], "select distinct line_status from intermediate.int_transactions_cleaned"
    )
    assert statuses == [("kept_sale",)]


def test_timestamptz_column_is_converted_to_utc(zoned: dict[str, Path]) -> None:
    signups = dict(
        query(
            zoned["new_york_machine"],
            "select customer_ref, signup_at from intermediate.int_customer_records_keyed",
        )
    )
    assert signups == {"C1": datetime(2024, 6, 1, 0, 30), "C2": datetime(2024, 6, 2, 23, 30)}


def test_the_stated_time_zone_var_is_honoured(zoned: dict[str, Path]) -> None:
    times = invoice_times(zoned["tokyo_zone"])
    assert times["tokyo"] == datetime(2025, 3, 1, 10, 0)
    assert times["new-york"] == datetime(2025, 3, 2, 13, 30)
    assert times["naive"] == datetime(2025, 3, 1, 2, 0)  # naive times are taken to be in time_zone
    signups = dict(
        query(
            zoned["tokyo_zone"], "select customer_ref, signup_at from intermediate.int_customer_records_keyed"
        )
    )
    assert signups["C2"] == datetime(2024, 6, 3, 8, 30)


def test_same_answer_under_any_machine_tz(zoned: dict[str, Path]) -> None:
    con = duckdb.connect()
    con.sql(f"attach '{zoned['tokyo_machine']}' as tokyo (read_only)")
    con.sql(f"attach '{zoned['new_york_machine']}' as new_york (read_only)")
    built = con.sql(
        "select table_schema, table_name from information_schema.tables where table_catalog = 'tokyo' "
        # run_status logs each build (its id and times), so it differs by design
        "and table_type = 'BASE TABLE' and table_schema != 'seeds' and table_name != 'run_status' "
        "order by all"
    ).fetchall()
    names = {name for _, name in built}
    assert {
        "int_transactions_cleaned",
        "int_customer_records_keyed",
        "int_customer_features",
        "data_quality",
    } <= names
    for schema, table in built:
        for left, right in (("tokyo", "new_york"), ("new_york", "tokyo")):
            left_table, right_table = f"{left}.{schema}.{table}", f"{right}.{schema}.{table}"
            differing = con.sql(
                f"select count(*) from (from {left_table} except all from {right_table})"
            ).fetchall()[0][0]
            assert differing == 0, f"{schema}.{table} differs between machine time zones"
    tenure = dict(
        con.sql("select customer_id, tenure_days from tokyo.intermediate.int_customer_features").fetchall()
    )
    # as-of: the day after the last kept sale (2025-03-02 04:30 UTC) = 2025-03-03
    assert tenure == {
        customer_id("C1"): (date(2025, 3, 3) - date(2024, 6, 1)).days,
        customer_id("C2"): (date(2025, 3, 3) - date(2024, 6, 2)).days,
    }


# --- the plausible window ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("windowed")
    customers = pa.Table.from_pylist(
        [customer("C1", datetime(2024, 6, 1)), customer("C2", datetime(1900, 1, 1))],
        schema=contract.arrow_schema(contract.CUSTOMERS),
    )
    transactions = pa.Table.from_pylist(
        [
            sale("ok-1", "2025-03-01 10:00:00", "C1"),
            sale("ok-2", "2025-03-05 10:00:00", "C2"),
            sale("year-2100", "2100-01-01 00:00:00", "C1"),
            sale("year-1900", "1900-01-01 00:00:00", "C2"),
            sale("infinity", "infinity", "C1"),
        ],
        schema=with_type(contract.TRANSACTIONS, "invoiced_at", pa.string()),
    )
    next_month = date.today() + timedelta(days=30)  # after the build: the default upper bound
    activity = pa.Table.from_pylist(
        [
            day("C1", date(2025, 3, 2)),
            day("C1", next_month),
            day("C1", date(2100, 6, 1)),
            day("C2", date(1900, 1, 2)),
        ],
        schema=contract.arrow_schema(contract.ACTIVITY),
    )
    raw = write_world(work / "raw", customers, transactions, activity)
    default = work / "default" / "earmark.duckdb"
    run_dbt(raw, default, *FEATURES_BUILD)
    wide = work / "wide" / "earmark.duckdb"
    run_dbt(
        raw,
        wide,
        "build",
        "--select",
        "+int_transactions_cleaned",
        "--exclude",
        "test_type:unit",
        "--indirect-selection",
        "cautious",
        extra_vars="plausible_date_min: '1800-01-01', plausible_date_max: '2200-01-01'",
    )
    return {"default": default, "wide": wide, "next_month": Path(next_month.isoformat())}


def test_sales_outside_the_window_are_implausible_date(windowed: dict[str, Path]) -> None:
    rows = query(
        windowed["default"],
        "select invoice_ref, line_status, status_detail from intermediate.int_transactions_cleaned",
    )
    found = {invoice: (status, detail) for invoice, status, detail in rows}
    assert found["ok-1"] == ("kept_sale", None)
    assert found["ok-2"] == ("kept_sale", None)
    for invoice, shown in (
        ("year-2100", "2100-01-01 00:00:00"),
        ("year-1900", "1900-01-01 00:00:00"),
        ("infinity", "infinity"),
    ):
        status, detail = found[invoice]
        assert status == "implausible_date", invoice
        assert detail.startswith(f"invoiced_at: {shown} outside 1970-01-01 to "), detail


def test_a_sale_in_2100_does_not_move_the_as_of_date(windowed: dict[str, Path]) -> None:
    assert query(windowed["default"], "select as_of_date from intermediate.int_feature_as_of_date") == [
        (date(2025, 3, 6),)
    ]


def test_a_signup_in_1900_gives_no_46000_day_tenure(windowed: dict[str, Path]) -> None:
    tenure = dict(
        query(windowed["default"], "select customer_id, tenure_days from intermediate.int_customer_features")
    )
    # C2: signup unknown, first kept purchase 2025-03-05, as of 2025-03-06
    assert tenure[customer_id("C2")] == 1
    assert tenure[customer_id("C1")] == (date(2025, 3, 6) - date(2024, 6, 1)).days
    signups = dict(
        query(
            windowed["default"], "select customer_ref, signup_at from intermediate.int_customer_records_keyed"
        )
    )
    assert signups == {"C1": datetime(2024, 6, 1), "C2": None}


def test_future_and_ancient_activity_is_not_kept(windowed: dict[str, Path]) -> None:
    rows = dict(
        query(windowed["default"], "select activity_date, row_status from intermediate.int_activity_cleaned")
    )
    next_month = date.fromisoformat(str(windowed["next_month"]))
    assert rows == {
        date(2025, 3, 2): "kept_activity",
        next_month: "implausible_date",
        date(2100, 6, 1): "implausible_date",
        date(1900, 1, 2): "implausible_date",
    }


def test_data_quality_gives_out_of_window_rows_their_own_status(windowed: dict[str, Path]) -> None:
    counts = {
        (input_file, rule): n
        for input_file, rule, n in query(
            windowed["default"], "select input_file, rule, rows_assigned from data_quality"
        )
    }
    assert counts[("transactions", "implausible_date")] == 3
    assert counts[("transactions", "kept_sale")] == 2
    assert counts[("activity", "implausible_date")] == 3
    assert counts[("activity", "kept_activity")] == 1
    assert counts[("customers", "implausible_signup")] == 1
    assert counts[("customers", "kept_record")] == 1
    outcome = query(
        windowed["default"], "select row_outcome from data_quality where rule = 'implausible_signup'"
    )
    assert outcome == [("kept",)]  # the record still takes part in identity resolution
    for input_file, raw_rows in (("transactions", 5), ("activity", 4), ("customers", 2)):
        assert sum(n for (f, _), n in counts.items() if f == input_file) == raw_rows


def test_the_window_is_a_var(windowed: dict[str, Path]) -> None:
    found = dict(
        query(windowed["wide"], "select invoice_ref, line_status from intermediate.int_transactions_cleaned")
    )
    assert found["year-1900"] == "kept_sale"
    assert found["year-2100"] == "kept_sale"
    assert found["infinity"] == "implausible_date"  # never a date, whatever the window


def test_changing_the_window_restatuses_an_incremental_build(
    windowed: dict[str, Path], tmp_path: Path
) -> None:
    # yesterday's warehouse, rebuilt incrementally with a wider window: every line is decided again
    warehouse = tmp_path / "earmark.duckdb"
    shutil.copy2(windowed["default"], warehouse)
    raw = windowed["default"].parents[1] / "raw"
    run_dbt(
        raw,
        warehouse,
        "build",
        "--select",
        "+int_transactions_cleaned",
        "--exclude",
        "test_type:unit",
        "--indirect-selection",
        "cautious",
        extra_vars="plausible_date_min: '1800-01-01', plausible_date_max: '2200-01-01'",
    )
    compiled = (
        tmp_path / "dbt_target/compiled/earmark/models/intermediate/cleaning/int_transactions_cleaned.sql"
    )
    assert "where transaction_line_number >" not in compiled.read_text()
    found = dict(
        query(warehouse, "select invoice_ref, line_status from intermediate.int_transactions_cleaned")
    )
    assert found == dict(
        query(windowed["wide"], "select invoice_ref, line_status from intermediate.int_transactions_cleaned")
    )
    assert found["year-1900"] == "kept_sale"
