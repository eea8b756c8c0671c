"""Reliability, bad values (issue 12, item 4): every bad value is caught, with the file, the column and
the rule. A NaN, infinite or absurdly large number is quarantined with its own status and the build goes
on; text that does not cast exactly is refused by `earmark validate` and by dbt's on-run-start check
alike; validate decodes every column it accepts.

Each world here is a few rows; dbt builds only the cleaning lineage and data_quality, with their tests.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import customer_record, query, run_dbt

from earmark import contract
from earmark.contract.validate import validate_dir

pytestmark = pytest.mark.integration

# The cleaning lineage and the data_quality mart, with their data tests (every raw row accounted for,
# first matching rule decides); unit tests are left to the full build.
CLEANING = (
    "build",
    "--select",
    "+data_quality",
    "--exclude",
    "test_type:unit",
    "assert_injected_defects_recovered",  # needs the truth files these worlds leave out
)
WHEN = datetime(2025, 3, 3, 10, 0)


def write_world(raw: Path, transactions: pa.Table | None = None, activity: pa.Table | None = None) -> Path:
    """A minimal raw directory: two customers, the given transactions and activity, empty optionals."""
    raw.mkdir(parents=True, exist_ok=True)
    customers = [customer_record(ref) for ref in ("C1", "C2")]
    pq.write_table(
        pa.Table.from_pylist(customers, schema=contract.arrow_schema(contract.CUSTOMERS)),
        raw / "customers.parquet",
    )
    written = {"transactions": transactions, "activity": activity}
    for entity in contract.ENTITIES:
        if entity.name == "customers" or entity.may_be_absent:
            continue
        table = written.get(entity.name)
        pq.write_table(table if table is not None else contract.empty_table(entity), raw / entity.file_name)
    return raw


def line(invoice: str, quantity: object, price: float, customer: str = "C1") -> dict:
    return {
        "invoice_ref": invoice,
        "stock_code": "85123A",
        "description": "WHITE HANGING HEART",
        "quantity": quantity,
        "unit_price": price,
        "invoiced_at": WHEN,
        "customer_ref": customer,
        "country": "United Kingdom",
    }


def transactions_table(rows: list[dict], quantity_type: pa.DataType | None = None) -> pa.Table:
    schema = contract.arrow_schema(contract.TRANSACTIONS)
    if quantity_type is not None:
        schema = schema.set(schema.get_field_index("quantity"), pa.field("quantity", quantity_type))
    return pa.Table.from_pylist(rows, schema=schema)


def statuses(db: Path) -> dict[str, tuple[str, str | None]]:
    rows = query(
        db, "select invoice_ref, line_status, status_detail from intermediate.int_transactions_cleaned"
    )
    return {invoice: (status, detail) for invoice, status, detail in rows}


def data_quality(db: Path, input_file: str) -> dict[str, int]:
    rows = query(db, f"select rule, rows_assigned from data_quality where input_file = '{input_file}'")
    return dict(rows)


# --- NaN, infinite and absurdly large numbers: quarantined, the build goes on ------------------------------


@pytest.fixture(scope="module")
def bad_numbers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("bad_numbers")
    rows = [
        line("ok-1", 6, 2.55),
        line("ok-2", 1, 27.5, customer="C2"),
        line("nan-price", 2, math.nan),
        line("inf-price", 2, math.inf),
        line("minus-inf-price", 2, -math.inf),
        line("huge-value", 10**10, 1e4),  # line value exactly 1e14: beyond DECIMAL(18, 4)
        line("just-below", 10**9, 9.99e4),  # 9.99e13 still fits
        line("ubigint-quantity", 2**64 - 1, 1.0),  # beyond BIGINT
    ]
    # a UBIGINT quantity column, as an unsigned-integer export writes it (the contract accepts UBIGINT)
    raw = write_world(work / "raw", transactions=transactions_table(rows, pa.uint64()))
    activity = pa.Table.from_pylist(
        [
            {
                "customer_ref": "C1",
                "activity_date": WHEN.date(),
                "sessions": 2,
                "actions": 9,
                "active_minutes": 3.5,
            },
            {
                "customer_ref": "C1",
                "activity_date": datetime(2025, 3, 4).date(),
                "sessions": 1,
                "actions": 2,
                "active_minutes": math.nan,
            },
            {
                "customer_ref": "C2",
                "activity_date": WHEN.date(),
                "sessions": 1,
                "actions": 2,
                "active_minutes": math.inf,
            },
        ],
        schema=contract.arrow_schema(contract.ACTIVITY),
    )
    pq.write_table(activity, raw / "activity.parquet")
    db = work / "build" / "earmark.duckdb"
    run_dbt(raw, db, *CLEANING)  # raises unless every model and data test passed
    return {"raw": raw, "db": db}


def test_validate_accepts_bad_numbers_the_build_quarantines(bad_numbers: dict[str, Path]) -> None:
    # validate and the build agree: the values are of the right type, cleaning quarantines them
    assert validate_dir(bad_numbers["raw"]) == []


def test_nan_infinite_and_huge_values_become_invalid_number(bad_numbers: dict[str, Path]) -> None:
    found = statuses(bad_numbers["db"])
    assert found["ok-1"] == ("kept_sale", None)
    assert found["ok-2"] == ("kept_sale", None)
    assert found["just-below"] == ("kept_sale", None)
    assert found["nan-price"] == ("invalid_number", "unit_price: not a finite number (nan)")
    assert found["inf-price"] == ("invalid_number", "unit_price: not a finite number (inf)")
    assert found["minus-inf-price"] == ("invalid_number", "unit_price: not a finite number (-inf)")
    assert found["huge-value"] == ("invalid_number", "quantity x unit_price: line value of 1e14 or more")
    assert found["ubigint-quantity"] == ("invalid_number", "quantity: beyond BIGINT")


def test_data_quality_accounts_for_every_bad_number(bad_numbers: dict[str, Path]) -> None:
    counts = data_quality(bad_numbers["db"], "transactions")
    assert counts["invalid_number"] == 5
    assert counts["kept_sale"] == 3
    assert sum(counts.values()) == 8 == pq.read_metadata(bad_numbers["raw"] / "transactions.parquet").num_rows
    value = query(
        bad_numbers["db"],
        "select value_assigned from data_quality where data_quality_rule_id = 'transactions:kept_sale'",
    )[0][0]
    assert value == pytest.approx(6 * 2.55 + 27.5 + 1e9 * 9.99e4)


def test_non_finite_activity_minutes_are_malformed(bad_numbers: dict[str, Path]) -> None:
    counts = data_quality(bad_numbers["db"], "activity")
    assert counts["malformed"] == 2
    assert counts["kept_activity"] == 1


# --- text numbers: validate and dbt's on-run-start check refuse the same values ---------------------------


def test_text_quantities_are_refused_by_validate_and_dbt_alike(tmp_path: Path) -> None:
    rows = [line(f"I{i}", text, 1.0) for i, text in enumerate(["6", "-2", "1.5", "2.6", "0x10", "1e3"])]
    raw = write_world(tmp_path / "raw", transactions=transactions_table(rows, pa.string()))
    violations = validate_dir(raw)
    assert [(v.file, v.column, v.rule) for v in violations] == [
        ("transactions.parquet", "quantity", "unparseable_value")
    ]
    assert violations[0].detail.startswith("3 of 6 non-null values do not cast to BIGINT")
    assert "'1.5', '2.6', '0x10'" in violations[0].detail
    done = run_dbt(raw, tmp_path / "build" / "earmark.duckdb", *CLEANING, check=False)
    assert done.returncode != 0
    assert "raw input contract violated" in done.stdout
    assert (
        "transactions.parquet: column 'quantity': unparseable_value: 3 value(s) do not parse" in done.stdout
    )
    assert "invoiced_at" not in done.stdout.split("raw input contract violated", 1)[1].split("\n\n")[0]


def test_whole_number_text_quantities_pass_both(tmp_path: Path) -> None:
    rows = [line(f"I{i}", text, 1.0) for i, text in enumerate(["6", "-2", "1e3", " 4 "])]
    raw = write_world(tmp_path / "raw", transactions=transactions_table(rows, pa.string()))
    assert validate_dir(raw) == []
    db = tmp_path / "build" / "earmark.duckdb"
    run_dbt(raw, db, *CLEANING)
    got = query(db, "select quantity from staging.stg_raw__transactions order by transaction_line_number")
    assert [q for (q,) in got] == [6, -2, 1000, 4]


def test_dbt_check_uses_the_contract_text_rules() -> None:
    # one source: the on-run-start macro reads the predicates earmark.contract.TEXT_CASTS generates
    sources = (Path(__file__).resolve().parents[2] / "models/staging/raw/_raw__sources.yml").read_text()
    for logical_type, (predicate, _) in contract.TEXT_CASTS.items():
        assert f'text_check: "{predicate}"' in sources, logical_type
    macro = (Path(__file__).resolve().parents[2] / "macros/assert_raw_contract.sql").read_text()
    assert "column.meta.text_check" in macro and "try_cast(" not in macro


# --- validate reads every column it accepts ----------------------------------------------------------------


def corrupt_column(path: Path, column: str) -> None:
    """Overwrite bytes inside the first data page of a column, leaving the footer intact."""
    chunk = next(
        pq.ParquetFile(path).metadata.row_group(0).column(i)
        for i in range(pq.ParquetFile(path).metadata.num_columns)
        if pq.ParquetFile(path).metadata.row_group(0).column(i).path_in_schema == column
    )
    data = bytearray(path.read_bytes())
    start = chunk.data_page_offset
    for offset in range(start + 40, start + chunk.total_compressed_size - 10, 7):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))


def test_corrupt_description_page_is_reported_with_its_column(tmp_path: Path) -> None:
    rows = [line(f"I{i}", 1, 1.0) | {"description": f"DESCRIPTION {i:06d} " * 3} for i in range(2000)]
    raw = write_world(tmp_path / "raw")
    path = raw / "transactions.parquet"
    pq.write_table(transactions_table(rows), path, compression="none", use_dictionary=False)
    assert validate_dir(raw) == []
    corrupt_column(path, "description")
    violations = validate_dir(raw)
    assert [(v.file, v.column, v.rule) for v in violations] == [
        ("transactions.parquet", "description", "unreadable_column")
    ]
    assert "cannot be read" in violations[0].detail


def test_corrupt_extra_attribute_column_is_reported(tmp_path: Path) -> None:
    raw = write_world(tmp_path / "raw")
    customers = pq.read_table(raw / "customers.parquet")
    n = 2000
    table = pa.table(
        {
            **{
                name: pa.array(
                    [customers.column(name)[i % 2].as_py() for i in range(n)],
                    customers.schema.field(name).type,
                )
                for name in customers.column_names
                if name != "customer_ref"
            },
            "customer_ref": pa.array([f"C{i}" for i in range(n)]),
            "industry": pa.array([f"INDUSTRY {i:06d} " * 3 for i in range(n)]),
        }
    )
    path = raw / "customers.parquet"
    pq.write_table(table, path, compression="none", use_dictionary=False)
    assert validate_dir(raw) == []
    corrupt_column(path, "industry")
    assert [(v.column, v.rule) for v in validate_dir(raw)] == [("industry", "unreadable_column")]
