"""How a real order book's credits and reversals count: a credit on a non-product code is a non-product
line, never a customer's reversal; a cancellation with no earlier kept sale of the same product by the
same customer (a purchase before the data starts) gets its own status and leaves monetary alone; a
negative line without a customer is a stock write-off, not a return; test and adjustment codes are
matched by pattern. Each case is a few hand-written lines with a known monetary."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_ROOT, customer_record, query, run_dbt

from earmark import contract
from earmark.bench import baselines

pytestmark = pytest.mark.integration

# The cleaning lineage, the sales features and RFM, and data_quality, with their data tests.
FEATURES = (
    "build",
    "--select",
    "+data_quality",
    "+int_customer_rfm_scored",
    "--exclude",
    "test_type:unit",
    "assert_injected_defects_recovered",  # needs the truth files these worlds leave out
)
SEEDS = PROJECT_ROOT / "seeds"
EARLY, LATE = datetime(2025, 3, 3, 10, 0), datetime(2025, 3, 10, 10, 0)


def line(
    invoice: str, stock_code: str, quantity: int, price: float, customer: str | None, at: datetime
) -> dict:
    return {
        "invoice_ref": invoice,
        "stock_code": stock_code,
        "description": stock_code.lower(),
        "quantity": quantity,
        "unit_price": price,
        "invoiced_at": at,
        "customer_ref": customer,
        "country": "United Kingdom",
    }


LINES = [
    # C1 buys 10 x 2.00, pays postage, then gets a 50.00 manual credit, cancels 2 of the 10 and returns 1
    line("100", "85123A", 10, 2.0, "C1", EARLY),
    line("101", "POST", 1, 15.0, "C1", EARLY),
    line("C200", "M", -1, 50.0, "C1", LATE),
    line("C201", "85123a ", -2, 2.0, "C1", LATE),  # the same product, however the code is cased
    line("500", "85123A", -1, 2.0, "C1", LATE),
    # C2 cancels a product bought before the data starts, then buys it again, and buys another product
    line("C300", "22423", -1, 12.75, "C2", EARLY),
    line("301", "22423", 1, 12.75, "C2", LATE),
    line("302", "85123A", 3, 2.0, "C2", LATE),
    # a write-off: negative quantity, no customer, price 0
    line("400", "85123A", -5, 0.0, None, LATE),
    # C3: a test item and a numbered adjustment (patterns of the seed), and one real sale
    line("600", "TEST001", 1, 5.0, "C3", EARLY),
    line("601", "ADJUST2", 1, 7.5, "C3", EARLY),
    line("602", "21730", 2, 4.25, "C3", EARLY),
]
EXPECTED_STATUS = {
    "100": "kept_sale",
    "101": "non_product_code",
    "C200": "non_product_code",
    "C201": "cancellation_invoice",
    "500": "return",
    "C300": "unmatched_cancellation",
    "301": "kept_sale",
    "302": "kept_sale",
    "400": "stock_write_off",
    "600": "non_product_code",
    "601": "non_product_code",
    "602": "kept_sale",
}
# kept sales plus matched cancellations and returns
EXPECTED_MONETARY = {"C1": 20.0 - 4.0 - 2.0, "C2": 12.75 + 6.0, "C3": 8.5}


@pytest.fixture(scope="module")
def order_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("order_book")
    raw = work / "raw"
    raw.mkdir()
    customers = [customer_record(ref) for ref in ("C1", "C2", "C3")]
    pq.write_table(
        pa.Table.from_pylist(customers, schema=contract.arrow_schema(contract.CUSTOMERS)),
        raw / "customers.parquet",
    )
    transactions = pa.Table.from_pylist(LINES, schema=contract.arrow_schema(contract.TRANSACTIONS))
    for entity in contract.ENTITIES:
        if entity.name == "customers" or entity.may_be_absent:
            continue
        table = transactions if entity.name == "transactions" else contract.empty_table(entity)
        pq.write_table(table, raw / entity.file_name)
    db = work / "build" / "earmark.duckdb"
    run_dbt(raw, db, *FEATURES)  # raises unless every model and data test passed
    return db


def test_every_line_gets_the_status_of_what_it_is(order_book: Path) -> None:
    statuses = dict(
        query(order_book, "select invoice_ref, line_status from intermediate.int_transactions_cleaned")
    )
    assert statuses == EXPECTED_STATUS


def test_data_quality_counts_the_new_statuses(order_book: Path) -> None:
    assigned = dict(
        query(order_book, "select rule, rows_assigned from data_quality where input_file = 'transactions'")
    )
    assert {rule: rows for rule, rows in assigned.items() if rows} == {
        "kept_sale": 4,
        "non_product_code": 4,
        "cancellation_invoice": 1,
        "unmatched_cancellation": 1,
        "return": 1,
        "stock_write_off": 1,
    }


def test_a_non_product_credit_and_an_unmatched_cancellation_leave_monetary_alone(order_book: Path) -> None:
    monetary = dict(
        query(
            order_book,
            "select records.customer_ref, rfm.monetary from intermediate.int_customer_rfm_scored as rfm "
            "inner join intermediate.int_customer_records_keyed as records using (customer_id)",
        )
    )
    assert monetary == pytest.approx(EXPECTED_MONETARY)


def test_the_benchmark_baselines_apply_the_same_rules(order_book: Path) -> None:
    """The hand-written floor query and the pandas RFM of the benchmark restate these rules: on this book
    they give dbt's RFM table exactly, edge cases included."""
    raw = order_book.parent.parent / "raw"
    dbt_rfm = baselines.read_dbt_rfm(order_book).sort_values("customer_id").reset_index(drop=True)
    for restated in (baselines.rfm_floor(raw, SEEDS), baselines.rfm_pandas(raw, SEEDS)):
        restated = restated.sort_values("customer_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(restated, dbt_rfm, check_exact=True)
    assert sorted(dbt_rfm["monetary"]) == sorted(EXPECTED_MONETARY.values())


# --- incremental: a new line matched against the lines built before, or an old line restatused ------------


def _next_day(order_book: Path, name: str, appended: list[dict]) -> tuple[Path, Path, str]:
    """The book with `appended` lines at the end, built incrementally on a copy of the first build and in
    full: (incremental warehouse, full warehouse, the incremental build's log)."""
    work = order_book.parent.parent / name
    raw = work / "raw"
    shutil.copytree(order_book.parent.parent / "raw", raw)
    lines = pa.Table.from_pylist(LINES + appended, schema=contract.arrow_schema(contract.TRANSACTIONS))
    pq.write_table(lines, raw / "transactions.parquet")
    incremental = work / "incremental" / "earmark.duckdb"
    incremental.parent.mkdir(parents=True)
    shutil.copy2(order_book, incremental)
    done = run_dbt(raw, incremental, *FEATURES)
    full = work / "full" / "earmark.duckdb"
    run_dbt(raw, full, *FEATURES)
    return incremental, full, done.stdout


def _same_tables(incremental: Path, full: Path) -> None:
    for table in (
        "intermediate.int_transactions_cleaned",
        "intermediate.int_customer_rfm_scored",
        "data_quality",
    ):
        rows = [query(db, f"select * from {table} order by all") for db in (incremental, full)]
        assert rows[0] == rows[1], table


def test_an_appended_cancellation_is_matched_against_the_lines_built_before(order_book: Path) -> None:
    # C3 cancels the product it bought in the first build: only the new line is statused
    incremental, full, log = _next_day(
        order_book, "matched_later", [line("C700", "21730", -1, 4.25, "C3", LATE)]
    )
    assert "restatusing every line" not in log
    assert query(
        incremental,
        "select line_status from intermediate.int_transactions_cleaned where invoice_ref = 'C700'",
    ) == [("cancellation_invoice",)]
    _same_tables(incremental, full)


def test_an_appended_sale_dated_before_an_unmatched_cancellation_restatuses_every_line(
    order_book: Path,
) -> None:
    # C2's cancellation C300 now has a purchase before it: it counts, as a full build would say
    back_dated = line("299", "22423", 1, 12.75, "C2", datetime(2025, 3, 1, 9, 0))
    incremental, full, log = _next_day(order_book, "back_dated", [back_dated])
    assert "1 appended sale(s) dated at or before a cancellation they match; restatusing every line" in log
    assert query(
        incremental,
        "select line_status from intermediate.int_transactions_cleaned where invoice_ref = 'C300'",
    ) == [("cancellation_invoice",)]
    _same_tables(incremental, full)
