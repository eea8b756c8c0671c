"""`earmark ingest transactions`: an order book in any layout, its columns named by the user, becomes the
raw input contract with every line kept as it is; a column the file does not have is refused naming the
file, the option and the column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.online_retail import ingest_online_retail
from earmark.ingest.order_book import NO_PRODUCT_CODE, ingest_transactions

pytestmark = pytest.mark.unit

# An export with its own names and order: date first, lower-case headers, a cancellation, a line without a
# customer, and the same customer written as a float once.
BOOK = pd.DataFrame(
    {
        "when": ["2024-03-01 10:00", "2024-03-01 10:00", "2024-03-05 16:30", "2024-03-06 09:15"],
        " Order ": ["A-1", "A-1", "CA-1", "A-2"],
        "client": ["17", "17.0", "17", None],
        "sku": ["P1", "P2", "P1", "P3"],
        "qty": [2, 1, -1, 4],
        "each": [9.5, 20.0, 9.5, 3.25],
        "shop": ["UK", "UK", "UK", "UK"],
    }
)
MAPPING = {"customer": "client", "invoice": "order", "date": "When", "quantity": "qty", "price": "each"}


def _written(out: Path, name: str) -> pd.DataFrame:
    return pq.read_table(out / f"{name}.parquet").to_pandas()


def test_named_columns_become_the_contract(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    BOOK.to_csv(source, index=False)
    out = tmp_path / "raw"
    counts = ingest_transactions(source, out, **MAPPING, product="sku", country="shop")
    assert counts["transactions"] == 4 and counts["customers"] == 1
    lines = _written(out, "transactions")
    assert list(lines["invoice_ref"]) == ["A-1", "A-1", "CA-1", "A-2"]
    assert list(lines["stock_code"]) == ["P1", "P2", "P1", "P3"]
    assert list(lines["quantity"]) == [2, 1, -1, 4]
    assert list(lines["unit_price"]) == [9.5, 20.0, 9.5, 3.25]
    assert list(lines["customer_ref"].fillna("none")) == ["17", "17", "17", "none"]
    assert lines["invoiced_at"].iloc[2] == datetime(2024, 3, 5, 16, 30)
    assert lines["description"].isna().all()  # not mapped
    customers = _written(out, "customers")
    assert customers.to_dict("records")[0]["signup_at"] == datetime(2024, 3, 1, 10, 0)
    assert customers["country"].tolist() == ["UK"]
    assert validate_dir(out) == []


def test_without_a_product_every_line_has_one_code(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    BOOK.to_csv(source, index=False)
    ingest_transactions(source, tmp_path / "raw", **MAPPING)
    lines = _written(tmp_path / "raw", "transactions")
    assert set(lines["stock_code"]) == {NO_PRODUCT_CODE}
    assert lines["country"].isna().all()


def test_a_column_the_file_lacks_is_refused_by_name(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    BOOK.to_csv(source, index=False)
    with pytest.raises(ValueError, match=r"book\.csv: --price names column 'unit_price', which the file"):
        ingest_transactions(source, tmp_path / "raw", **{**MAPPING, "price": "unit_price"})
    assert not (tmp_path / "raw").exists()


def test_the_command_takes_the_mapping_as_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "book.parquet"
    BOOK.to_parquet(source)
    out = tmp_path / "raw"
    options = [f"--{name}={column}" for name, column in MAPPING.items()]
    assert main(["ingest", "transactions", str(source), "--out", str(out), *options]) == 0
    assert "Order book written to" in capsys.readouterr().out
    assert (
        main(["ingest", "transactions", str(source), "--out", str(out), *options, "--product", "item"]) == 1
    )
    assert "--product names column 'item'" in capsys.readouterr().err


@pytest.mark.integration
def test_the_real_online_retail_file_mapped_by_hand_equals_its_adapter(
    datasets_dir: Path, tmp_path: Path
) -> None:
    """541,909 lines of UCI Online Retail through the generic reader, its columns named by hand, give the
    same files as the data set's own adapter."""
    source = datasets_dir / "online_retail" / "online_retail.parquet"
    ingest_online_retail(source, tmp_path / "adapter")
    ingest_transactions(
        source,
        tmp_path / "generic",
        customer="CustomerID",
        invoice="InvoiceNo",
        date="InvoiceDate",
        quantity="Quantity",
        price="UnitPrice",
        product="StockCode",
        description="Description",
        country="Country",
    )
    for name in ("transactions", "customers"):
        adapter, generic = (
            pq.read_table(tmp_path / side / f"{name}.parquet") for side in ("adapter", "generic")
        )
        assert generic.equals(adapter), name
    assert pq.read_metadata(tmp_path / "generic" / "transactions.parquet").num_rows == 541_909
