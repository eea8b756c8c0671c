"""Mall Customers ingest: a small CRLF file, errors that name file and column, and the real file."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.mall_customers import customers_schema, ingest_mall_customers

pytestmark = pytest.mark.unit

HEADER = "CustomerID,Gender,Age,Annual Income (k$),Spending Score (1-100)"
ROWS = ["1,Male,19,15,39", "2,Female,21,15,81", "10,Female,30,19.5,72"]


def _write(path, lines):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_small_file_becomes_the_contract(tmp_path):
    source = _write(tmp_path / "Mall_Customers.csv", [HEADER, *ROWS])
    counts = ingest_mall_customers(source, tmp_path / "raw")
    assert counts == {
        "customers": 3,
        "transactions": 0,
        "accounts": 0,
        "activity": 0,
        "treatments": 0,
        "outcomes": 0,
    }
    table = pq.read_table(tmp_path / "raw" / "customers.parquet")
    assert table.schema.equals(customers_schema())
    assert table.schema.names[: len(contract.CUSTOMERS.columns)] == [
        c.name for c in contract.CUSTOMERS.columns
    ]
    assert table.schema.names[-4:] == ["gender", "age", "annual_income", "spending_score"]
    assert table.schema.field("age").type == pa.int64()
    assert table.schema.field("annual_income").type == pa.float64()
    rows = table.to_pylist()
    assert [r["customer_ref"] for r in rows] == ["1", "2", "10"]
    assert rows[2] | {} == {
        "customer_ref": "10",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": None,
        "country": None,
        "is_premium": None,
        "gender": "Female",
        "age": 30,
        "annual_income": 19.5,
        "spending_score": 72,
    }
    for entity in (
        contract.TRANSACTIONS,
        contract.ACCOUNTS,
        contract.ACTIVITY,
        contract.TREATMENTS,
        contract.OUTCOMES,
    ):
        empty = pq.read_table(tmp_path / "raw" / entity.file_name)
        assert empty.num_rows == 0 and empty.schema.equals(contract.arrow_schema(entity))
    assert validate_dir(tmp_path / "raw") == []


def test_missing_column_and_bad_values_name_file_and_column(tmp_path):
    source = _write(
        tmp_path / "no_age.csv",
        ["CustomerID,Gender,Annual Income (k$),Spending Score (1-100)", "1,Male,15,39"],
    )
    with pytest.raises(ValueError, match=r"no_age\.csv: missing column 'Age'"):
        ingest_mall_customers(source, tmp_path / "raw")
    bad = _write(tmp_path / "bad.csv", [HEADER, "1,Male,nineteen,15,39"])
    with pytest.raises(ValueError, match=r"bad\.csv: column 'Age': 1 values are not whole numbers"):
        ingest_mall_customers(bad, tmp_path / "raw")
    with pytest.raises(FileNotFoundError):
        ingest_mall_customers(tmp_path / "absent.csv", tmp_path / "raw")


def test_cli(tmp_path, capsys):
    source = _write(tmp_path / "Mall_Customers.csv", [HEADER, *ROWS])
    assert main(["ingest", "mall-customers", str(source), "--out", str(tmp_path / "raw")]) == 0
    assert "customers 3" in capsys.readouterr().out


@pytest.mark.integration
def test_real_file(datasets_dir, tmp_path):
    counts = ingest_mall_customers(datasets_dir / "mall_customers" / "Mall_Customers.csv", tmp_path / "raw")
    assert counts["customers"] == 200
    frame = pq.read_table(tmp_path / "raw" / "customers.parquet").to_pandas()
    assert frame["customer_ref"].is_unique
    assert frame.iloc[0][["customer_ref", "gender", "age", "annual_income", "spending_score"]].tolist() == [
        "1",
        "Male",
        19,
        15.0,
        39,
    ]
    assert frame["spending_score"].between(1, 100).all()
    assert validate_dir(tmp_path / "raw") == []
