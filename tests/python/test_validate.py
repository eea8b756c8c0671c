"""`earmark validate`: each contract rule on a small raw directory broken one way, plus the contract doc."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.docs import END_MARKER, START_MARKER, generated_part, render_markdown
from earmark.contract.validate import RULE_NAMES, RULES, format_violations, validate_dir

pytestmark = pytest.mark.unit

CUSTOMER_ROWS = [
    {
        "customer_ref": "C1",
        "email": "ann@example.com",
        "account_ref": "A1",
        "role": "admin",
        "signup_at": datetime(2011, 1, 3, 9, 30),
        "country": "United Kingdom",
        "is_premium": False,
    },
    {
        "customer_ref": "C2",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": None,
        "country": None,
        "is_premium": None,
    },
]
TRANSACTION_ROWS = [
    {
        "invoice_ref": "536365",
        "stock_code": "85123A",
        "description": "WHITE HANGING HEART",
        "quantity": 6,
        "unit_price": 2.55,
        "invoiced_at": datetime(2010, 12, 1, 8, 26),
        "customer_ref": "C1",
        "country": "United Kingdom",
    },
    {
        "invoice_ref": "C536379",
        "stock_code": "D",
        "description": "Discount",
        "quantity": -1,
        "unit_price": 27.5,
        "invoiced_at": datetime(2010, 12, 1, 9, 41),
        "customer_ref": None,
        "country": "United Kingdom",
    },
]
ACTIVITY_ROWS = [
    {
        "customer_ref": "C1",
        "activity_date": date(2011, 1, 4),
        "sessions": 2,
        "actions": 14,
        "active_minutes": 31.5,
    },
]


def _write(directory: Path, entity: contract.Entity, rows: list[dict]) -> None:
    table = pa.Table.from_pylist(rows, schema=contract.arrow_schema(entity))
    pq.write_table(table, directory / entity.file_name)


def _write_columns(directory: Path, entity: contract.Entity, columns: dict[str, pa.Array]) -> None:
    """Write an entity with exactly the given columns (any types, any nullability)."""
    pq.write_table(pa.table(columns), directory / entity.file_name)


def _contract_columns(entity: contract.Entity, rows: list[dict]) -> dict[str, pa.Array]:
    """The valid rows of an entity as column arrays, to change one column and write them back."""
    schema = contract.arrow_schema(entity)
    return {f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in schema}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A valid raw directory: customers, transactions and activity with rows, the rest zero-row files."""
    directory = tmp_path / "raw"
    directory.mkdir()
    _write(directory, contract.CUSTOMERS, CUSTOMER_ROWS)
    _write(directory, contract.TRANSACTIONS, TRANSACTION_ROWS)
    _write(directory, contract.ACTIVITY, ACTIVITY_ROWS)
    for entity in (contract.ACCOUNTS, contract.TREATMENTS, contract.OUTCOMES):
        pq.write_table(contract.empty_table(entity), directory / entity.file_name)
    return directory


def _found(violations) -> list[tuple[str, str, str]]:
    return [(v.file, v.column, v.rule) for v in violations]


def test_valid_directory_has_no_violations(raw: Path) -> None:
    assert validate_dir(raw) == []


def test_audit_only_files_absent_or_valid_are_fine(raw: Path) -> None:
    defects = [{"file": "transactions", "defect": "duplicate_line", "row_count": 3}]
    _write(raw, contract.TRUTH_DEFECTS, defects)
    assert validate_dir(raw) == []


def test_audit_only_file_present_is_checked(raw: Path) -> None:
    _write_columns(raw, contract.TRUTH_DEFECTS, {"file": pa.array(["customers"]), "defect": pa.array(["x"])})
    assert _found(validate_dir(raw)) == [("truth_defects.parquet", "row_count", "column_missing")]


def test_missing_directory(tmp_path: Path) -> None:
    violations = validate_dir(tmp_path / "nowhere")
    assert _found(violations) == [(".", "*", "directory_missing")]
    assert violations[0].detail == "no such directory"


def test_missing_required_file(raw: Path) -> None:
    (raw / "customers.parquet").unlink()
    violations = validate_dir(raw)
    assert _found(violations) == [("customers.parquet", "*", "file_missing")]
    assert "required entity 'customers'" in violations[0].detail


def test_missing_optional_file(raw: Path) -> None:
    (raw / "treatments.parquet").unlink()
    violations = validate_dir(raw)
    assert _found(violations) == [("treatments.parquet", "*", "file_missing")]
    assert "zero-row file" in violations[0].detail


def test_missing_column(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    del columns["unit_price"]
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("transactions.parquet", "unit_price", "column_missing")]
    assert "double" in violations[0].detail


def test_column_name_in_other_case_is_missing_and_unexpected(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["Unit_Price"] = columns.pop("unit_price")
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [
        ("transactions.parquet", "unit_price", "column_missing"),
        ("transactions.parquet", "Unit_Price", "unexpected_column"),
    ]
    assert "found 'Unit_Price'" in violations[0].detail


def test_wrong_type(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["quantity"] = pa.array([True, False])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("transactions.parquet", "quantity", "wrong_type")]
    assert violations[0].detail.startswith("DuckDB type BOOLEAN is not accepted for logical type integer")


def test_numeric_customer_ref_is_wrong_type(raw: Path) -> None:
    columns = _contract_columns(contract.CUSTOMERS, CUSTOMER_ROWS)
    columns["customer_ref"] = pa.array([17850.0, 13047.0])
    _write_columns(raw, contract.CUSTOMERS, columns)
    assert _found(validate_dir(raw)) == [("customers.parquet", "customer_ref", "wrong_type")]


def test_other_accepted_physical_types(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["quantity"] = pa.array([6, -1], type=pa.int32())
    columns["unit_price"] = pa.array([Decimal("2.55"), Decimal("27.50")], type=pa.decimal128(10, 2))
    columns["invoiced_at"] = pa.array([datetime(2010, 12, 1, 8, 26)] * 2, type=pa.timestamp("ns"))
    _write_columns(raw, contract.TRANSACTIONS, columns)
    activity = _contract_columns(contract.ACTIVITY, ACTIVITY_ROWS)
    activity["activity_date"] = pa.array([datetime(2011, 1, 4)], type=pa.timestamp("ms"))
    _write_columns(raw, contract.ACTIVITY, activity)
    assert validate_dir(raw) == []


def test_text_columns_whose_values_cast_are_accepted(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["quantity"] = pa.array(["6", None])
    columns["unit_price"] = pa.array(["2.55", "27.5"])
    columns["invoiced_at"] = pa.array(["2010-12-01 08:26:00", "2010-12-01"])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    customers = _contract_columns(contract.CUSTOMERS, CUSTOMER_ROWS)
    customers["is_premium"] = pa.array(["true", "false"])
    _write_columns(raw, contract.CUSTOMERS, customers)
    assert validate_dir(raw) == []


def test_text_timestamp_with_unparseable_value(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["invoiced_at"] = pa.array(["2010-12-01 08:26:00", "not a date"])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("transactions.parquet", "invoiced_at", "unparseable_value")]
    assert violations[0].detail == "1 of 2 non-null values do not cast to TIMESTAMP, e.g. 'not a date'"


def test_unparseable_examples_are_distinct_first_three_in_file_order(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS * 4)
    columns["quantity"] = pa.array(["1.5", "x", "1.5", "7", None, "y", "z", "8"])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("transactions.parquet", "quantity", "unparseable_value")]
    # '1.5' is rejected although try_cast rounds it to 2: an integer column takes whole numbers only.
    assert violations[0].detail == "5 of 7 non-null values do not cast to BIGINT, e.g. '1.5', 'x', 'y'"


def test_null_in_non_nullable_column(raw: Path) -> None:
    columns = _contract_columns(contract.CUSTOMERS, CUSTOMER_ROWS)
    columns["customer_ref"] = pa.array(["C1", None])
    _write_columns(raw, contract.CUSTOMERS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("customers.parquet", "customer_ref", "null_not_allowed")]
    assert violations[0].detail == "1 of 2 rows are null"


def test_empty_required_file(raw: Path) -> None:
    pq.write_table(contract.empty_table(contract.CUSTOMERS), raw / "customers.parquet")
    violations = validate_dir(raw)
    assert _found(violations) == [("customers.parquet", "*", "empty_required_file")]


def test_unexpected_column(raw: Path) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["discount"] = pa.array([0.1, 0.0])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    violations = validate_dir(raw)
    assert _found(violations) == [("transactions.parquet", "discount", "unexpected_column")]
    assert "DOUBLE" in violations[0].detail


def test_extra_columns_are_kept_where_the_contract_allows_them(raw: Path) -> None:
    columns = _contract_columns(contract.CUSTOMERS, CUSTOMER_ROWS)
    columns["industry"] = pa.array(["retail", None])
    _write_columns(raw, contract.CUSTOMERS, columns)
    assert validate_dir(raw) == []


def test_non_parquet_file(raw: Path) -> None:
    (raw / "outcomes.parquet").write_text("campaign_id,customer_ref\nx,y\n")
    violations = validate_dir(raw)
    assert _found(violations) == [("outcomes.parquet", "*", "unreadable_file")]
    assert violations[0].detail.startswith("not a readable Parquet file")


def test_several_violations_come_in_contract_order(raw: Path) -> None:
    (raw / "activity.parquet").unlink()
    columns = _contract_columns(contract.CUSTOMERS, CUSTOMER_ROWS)
    columns["customer_ref"] = pa.array(["C1", None])
    del columns["signup_at"]
    _write_columns(raw, contract.CUSTOMERS, columns)
    assert _found(validate_dir(raw)) == [
        ("customers.parquet", "customer_ref", "null_not_allowed"),
        ("customers.parquet", "signup_at", "column_missing"),
        ("activity.parquet", "*", "file_missing"),
    ]


def test_format_violations(raw: Path) -> None:
    violations = [
        contract.ContractViolation("customers.parquet", "customer_ref", "null_not_allowed", "1 of 2")
    ]
    assert format_violations(violations, raw) == (
        f"{raw}/customers.parquet: column 'customer_ref': null_not_allowed: 1 of 2"
    )


def test_cli_reports_violation_and_exits_1(raw: Path, capsys: pytest.CaptureFixture[str]) -> None:
    columns = _contract_columns(contract.TRANSACTIONS, TRANSACTION_ROWS)
    columns["quantity"] = pa.array([True, False])
    _write_columns(raw, contract.TRANSACTIONS, columns)
    assert main(["validate", str(raw)]) == 1
    err = capsys.readouterr().err
    assert f"{raw}/transactions.parquet: column 'quantity': wrong_type: DuckDB type BOOLEAN" in err
    assert format_violations(validate_dir(raw), raw) in err
    assert "1 contract violation(s)" in err


def test_cli_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    assert f"{tmp_path / 'nowhere'}: column '*': directory_missing" in capsys.readouterr().err


def test_cli_good_directory_exits_0(raw: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(raw)]) == 0
    captured = capsys.readouterr()
    assert "input contract satisfied" in captured.out
    assert captured.err == ""


def test_rules_are_documented_with_matching_examples() -> None:
    assert [r.name for r in RULES] == [r.example.rule for r in RULES]
    assert len(RULE_NAMES) == len(RULES) == 12


def test_dbt_contract_check_speaks_the_validators_rules() -> None:
    """The on-run-start check (macros/assert_raw_contract.sql) reads the contract from the sources YAML
    generated from earmark.contract; its messages name only rules `earmark validate` defines, so a user
    reads one vocabulary whichever check stopped them."""
    macros = Path(__file__).resolve().parents[2] / "macros"
    emitted = set()
    for name in ("assert_raw_contract.sql", "warehouse_name.sql"):
        emitted |= set(re.findall(r"'[^']*': ([a-z_]+): ", (macros / name).read_text()))
        emitted |= set(re.findall(r"\): ([a-z_]+): ", (macros / name).read_text()))
    assert len(emitted) >= 9, emitted
    assert emitted <= RULE_NAMES, sorted(emitted - RULE_NAMES)


# --- docs/input_contract.md ------------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "input_contract.md"


def test_contract_doc_matches_the_code() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert document.count(START_MARKER) == 1 and document.count(END_MARKER) == 1
    assert generated_part(document) == render_markdown(), (
        "docs/input_contract.md is out of date: run `python -m earmark.contract.docs`"
    )


def test_contract_doc_covers_every_entity_column_and_rule() -> None:
    text = render_markdown()
    for entity in contract.ENTITIES:
        assert f"### {entity.name} (`{entity.file_name}`)" in text
        for column in entity.columns:
            assert f"| `{column.name}` | {column.type} | {'yes' if column.nullable else 'no'} |" in text
    for rule in RULES:
        assert f"| `{rule.name}` |" in text
        assert f": {rule.name}: " in text
