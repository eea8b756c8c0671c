"""Online Retail ingest: small synthetic files in every accepted format, and the real file when available."""

from __future__ import annotations

import time
import warnings
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.online_retail import ingest_online_retail

pytestmark = pytest.mark.unit

ORIGINAL = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
RETAIL_II = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]

# Invoice lines in file order, as the UCI file has them: CustomerID is a float or missing, invoice numbers
# and some stock codes look numeric. 14527 bought once in the UK and once in France (a tie: France wins
# alphabetically); 12583 has an exact duplicate line, which must be kept.
SOURCE = [
    ("536370", "POST", "POSTAGE", 3, datetime(2010, 12, 1, 8, 45), 18.0, 12583.0, "France"),
    ("536370", "POST", "POSTAGE", 3, datetime(2010, 12, 1, 8, 45), 18.0, 12583.0, "France"),
    (
        "536365",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        6,
        datetime(2010, 12, 1, 8, 26),
        2.55,
        17850.0,
        "United Kingdom",
    ),
    (
        "536365",
        "71053",
        "WHITE METAL LANTERN, LARGE",
        6,
        datetime(2010, 12, 1, 8, 26),
        3.39,
        17850.0,
        "United Kingdom",
    ),
    ("C536379", "D", "Discount", -1, datetime(2010, 12, 1, 9, 41), 27.5, 14527.0, "United Kingdom"),
    (
        "536381",
        "22139",
        "RETROSPOT TEA SET CERAMIC 11 PC",
        2,
        datetime(2010, 12, 1, 9, 30),
        4.95,
        None,
        "United Kingdom",
    ),
    (
        "536390",
        "22941",
        "CHRISTMAS LIGHTS 10 REINDEER",
        1,
        datetime(2010, 12, 2, 10, 0),
        8.5,
        14527.0,
        "France",
    ),
    (
        "536395",
        "21523",
        "DOORMAT FANCY FONT HOME SWEET HOME",
        2,
        datetime(2010, 12, 3, 11, 5),
        0.0,
        17850.0,
        "EIRE",
    ),
]


def _customer_ref(value: float | None) -> str | None:
    return None if value is None else str(int(value))


EXPECTED_TRANSACTIONS = [
    {
        "invoice_ref": inv,
        "stock_code": code,
        "description": desc,
        "quantity": qty,
        "unit_price": price,
        "invoiced_at": at,
        "customer_ref": _customer_ref(cust),
        "country": country,
    }
    for inv, code, desc, qty, at, price, cust, country in SOURCE
]
EXPECTED_CUSTOMERS = [
    {
        "customer_ref": "12583",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": datetime(2010, 12, 1, 8, 45),
        "country": "France",
        "is_premium": None,
    },
    {
        "customer_ref": "14527",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": datetime(2010, 12, 1, 9, 41),
        "country": "France",
        "is_premium": None,
    },
    {
        "customer_ref": "17850",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": datetime(2010, 12, 1, 8, 26),
        "country": "United Kingdom",
        "is_premium": None,
    },
]
EXPECTED_COUNTS = {
    "customers": 3,
    "transactions": len(SOURCE),
    "accounts": 0,
    "activity": 0,
    "treatments": 0,
    "outcomes": 0,
}


def _frame(names: list[str], rows=SOURCE) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=names)


def _excel_frame(names: list[str], rows=SOURCE) -> pd.DataFrame:
    """As Excel holds the data: numeric-looking invoice numbers and stock codes are number cells."""
    frame = _frame(names, rows).astype(object)
    for col in (names[0], "StockCode"):
        frame[col] = [int(v) if v.isdigit() else v for v in frame[col]]
    return frame


def _write_csv(path: Path, names: list[str], date_format: str, encoding: str = "utf-8") -> None:
    frame = _frame(names)
    frame[names[4]] = frame[names[4]].map(lambda d: d.strftime(date_format))
    # CustomerID is written as pandas writes a float column with gaps: '17850.0' and an empty field.
    frame.to_csv(path, index=False, encoding=encoding)


def _assert_ingested(out: Path, counts: dict[str, int]) -> None:
    assert counts == EXPECTED_COUNTS
    transactions = pq.read_table(out / "transactions.parquet")
    assert transactions.schema == contract.arrow_schema(contract.TRANSACTIONS)
    assert transactions.to_pylist() == EXPECTED_TRANSACTIONS
    customers = pq.read_table(out / "customers.parquet")
    assert customers.schema == contract.arrow_schema(contract.CUSTOMERS)
    assert customers.to_pylist() == EXPECTED_CUSTOMERS
    for entity in (contract.ACCOUNTS, contract.ACTIVITY, contract.TREATMENTS, contract.OUTCOMES):
        table = pq.read_table(out / entity.file_name)
        assert table.num_rows == 0
        assert table.schema == contract.arrow_schema(entity)
    assert validate_dir(out) == []


def test_parquet_original_names(tmp_path: Path) -> None:
    source = tmp_path / "online_retail.parquet"
    table = pa.Table.from_pandas(_frame(ORIGINAL), preserve_index=False)
    pq.write_table(table, source)
    out = tmp_path / "raw"
    _assert_ingested(out, ingest_online_retail(source, out))


def test_csv_original_names_us_dates_latin1(tmp_path: Path) -> None:
    # The widespread CSV export: month/day/year dates without seconds, Latin-1 text.
    source = tmp_path / "data.csv"
    _write_csv(source, ORIGINAL, "%-m/%-d/%Y %-H:%M", encoding="latin-1")
    out = tmp_path / "raw"
    _assert_ingested(out, ingest_online_retail(source, out))


def test_csv_retail_ii_names_iso_dates(tmp_path: Path) -> None:
    source = tmp_path / "online_retail_II.csv"
    _write_csv(source, RETAIL_II, "%Y-%m-%d %H:%M:%S")
    out = tmp_path / "raw"
    _assert_ingested(out, ingest_online_retail(source, out))


def test_csv_text_with_non_ascii_characters(tmp_path: Path) -> None:
    rows = [(*SOURCE[0][:2], "CAFÉ CRÈME MUG", *SOURCE[0][3:])]
    for encoding in ("utf-8", "latin-1"):
        source = tmp_path / f"{encoding}.csv"
        _frame(ORIGINAL, rows).to_csv(source, index=False, encoding=encoding)
        out = tmp_path / f"raw-{encoding}"
        ingest_online_retail(source, out)
        assert pq.read_table(out / "transactions.parquet").column("description").to_pylist() == [
            "CAFÉ CRÈME MUG"
        ]


def test_xlsx_original_names(tmp_path: Path) -> None:
    source = tmp_path / "Online Retail.xlsx"
    _excel_frame(ORIGINAL).to_excel(source, index=False, sheet_name="Online Retail")
    out = tmp_path / "raw"
    _assert_ingested(out, ingest_online_retail(source, out))


def test_xlsx_retail_ii_two_sheets(tmp_path: Path) -> None:
    # "Online Retail II" splits the lines over two yearly sheets: both are read, in workbook order.
    source = tmp_path / "online_retail_II.xlsx"
    with pd.ExcelWriter(source) as writer:
        _excel_frame(RETAIL_II, SOURCE[:5]).to_excel(writer, index=False, sheet_name="Year 2009-2010")
        _excel_frame(RETAIL_II, SOURCE[5:]).to_excel(writer, index=False, sheet_name="Year 2010-2011")
    out = tmp_path / "raw"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the synthetic sheets overlap in dates: see the next test
        with pytest.warns(UserWarning, match="overlapping invoice dates"):
            counts = ingest_online_retail(source, out)
    _assert_ingested(out, counts)


def test_xlsx_sheets_with_separate_dates_do_not_warn(tmp_path: Path) -> None:
    source = tmp_path / "two_sheets.xlsx"
    with pd.ExcelWriter(source) as writer:
        _excel_frame(RETAIL_II, SOURCE[2:4]).to_excel(writer, index=False, sheet_name="first")
        _excel_frame(RETAIL_II, SOURCE[6:]).to_excel(writer, index=False, sheet_name="second")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = ingest_online_retail(source, tmp_path / "raw")
    assert counts["transactions"] == 4


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_text_that_looks_missing_is_kept(tmp_path: Path, suffix: str) -> None:
    # Only an empty cell is missing; 'NA' and 'nan' are values (the shared Parquet copy of the UCI file
    # even holds 'nan' descriptions) and cleaning, not ingest, decides what they mean.
    rows = [(*r[:2], text, *r[3:]) for r, text in zip(SOURCE[:4], ["NA", "nan", "NULL", None], strict=True)]
    frame = _frame(ORIGINAL, rows)
    source = tmp_path / f"source{suffix}"
    if suffix == ".xlsx":
        _excel_frame(ORIGINAL, rows).to_excel(source, index=False)
    elif suffix == ".csv":
        frame.to_csv(source, index=False)
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), source)
    ingest_online_retail(source, tmp_path / "raw")
    descriptions = pq.read_table(tmp_path / "raw" / "transactions.parquet").column("description").to_pylist()
    assert descriptions == ["NA", "nan", "NULL", None]


@pytest.mark.parametrize("missing", ["UnitPrice", "CustomerID", "InvoiceDate"])
def test_missing_column_names_file_and_column(tmp_path: Path, missing: str) -> None:
    source = tmp_path / "broken.csv"
    frame = _frame(ORIGINAL).drop(columns=[missing])
    frame.to_csv(source, index=False)
    with pytest.raises(ValueError, match=rf"broken\.csv.*'{missing}'"):
        ingest_online_retail(source, tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_missing_column_with_retail_ii_names(tmp_path: Path) -> None:
    source = tmp_path / "broken_ii.parquet"
    frame = _frame(RETAIL_II).drop(columns=["Customer ID"])
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), source)
    with pytest.raises(ValueError, match=r"broken_ii\.parquet.*'Customer ID'"):
        ingest_online_retail(source, tmp_path / "raw")


def test_unconvertible_value_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "bad_quantity.csv"
    frame = _frame(ORIGINAL).astype({"Quantity": object})
    frame.loc[3, "Quantity"] = "six"
    frame.to_csv(source, index=False)
    with pytest.raises(ValueError, match=r"bad_quantity\.csv.*'Quantity'.*'six'"):
        ingest_online_retail(source, tmp_path / "raw")


def test_unsupported_extension(tmp_path: Path) -> None:
    source = tmp_path / "online_retail.json"
    source.write_text("[]")
    with pytest.raises(ValueError, match="unsupported file type"):
        ingest_online_retail(source, tmp_path / "raw")


def test_cli_ingest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "online_retail.parquet"
    pq.write_table(pa.Table.from_pandas(_frame(ORIGINAL), preserve_index=False), source)
    out = tmp_path / "raw"
    assert main(["ingest", "online-retail", str(source), "--out", str(out)]) == 0
    assert f"transactions {len(SOURCE)}" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0


# --- the real UCI file --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_source(datasets_dir: Path) -> Path:
    """The UCI file, from EARMARK_DATASETS (the conftest fixture skips visibly when it is unset)."""
    path = datasets_dir / "online_retail" / "online_retail.parquet"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.mark.integration
def test_real_online_retail(real_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw"
    started = time.perf_counter()
    counts = ingest_online_retail(real_source, out)
    ingest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    violations = validate_dir(out)
    validate_seconds = time.perf_counter() - started
    print(f"\nOnline Retail: ingest {ingest_seconds:.2f} s, validate {validate_seconds:.2f} s")

    assert violations == []
    assert counts["transactions"] == 541_909
    assert counts["customers"] == 4_372
    con = duckdb.connect()
    tx = f"read_parquet('{out / 'transactions.parquet'}')"
    lines, with_customer, customers_in_lines, cancellation_lines = con.sql(
        f"SELECT count(*), count(customer_ref), count(DISTINCT customer_ref), "
        f"count(*) FILTER (WHERE invoice_ref LIKE 'C%') FROM {tx}"
    ).fetchall()[0]
    assert (lines, with_customer, customers_in_lines, cancellation_lines) == (541_909, 406_829, 4_372, 9_288)

    # Revenue is unchanged. Summed in DECIMAL so the comparison is exact, whatever the summation order.
    revenue = "sum(CAST({q} AS DECIMAL(18, 0)) * CAST({p} AS DECIMAL(18, 4)))"
    source_revenue = con.sql(
        f"SELECT {revenue.format(q='Quantity', p='UnitPrice')} FROM read_parquet('{real_source}')"
    ).fetchall()[0][0]
    ingested_revenue = con.sql(f"SELECT {revenue.format(q='quantity', p='unit_price')} FROM {tx}").fetchall()[
        0
    ][0]
    assert ingested_revenue == source_revenue
    double_sums = con.sql(
        f"SELECT (SELECT sum(Quantity * UnitPrice) FROM read_parquet('{real_source}')), "
        f"(SELECT sum(quantity * unit_price) FROM {tx})"
    ).fetchall()[0]
    assert double_sums[1] == pytest.approx(double_sums[0], rel=1e-12)

    # Lines keep the file order; customer references are the integer ids as text.
    first = con.sql(f"SELECT invoice_ref, stock_code, customer_ref FROM {tx} LIMIT 1").fetchall()[0]
    assert first == ("536365", "85123A", "17850")
    customer_refs = con.sql(
        f"SELECT customer_ref FROM read_parquet('{out / 'customers.parquet'}')"
    ).fetchall()
    assert [r for (r,) in customer_refs] == sorted(r for (r,) in customer_refs)
    assert all(r.isdigit() for (r,) in customer_refs)
