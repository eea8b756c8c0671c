"""The whole pipeline on UCI Online Retail: the counts measured in the data README are reproduced."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_ROOT, query, run_dbt

from earmark.bench import baselines
from earmark.ingest.online_retail import ingest_online_retail

pytestmark = pytest.mark.integration

# Facts of the file under the cleaning rules, measured on a build (the queries are the tests' own):
# customers with a kept sale; cancellation lines that are credits on a non-product code, and those of a
# customer with no earlier kept sale of the product; negative lines without a customer.
NON_ZERO_CUSTOMERS = 4_334
NON_PRODUCT_CREDITS = 583
UNMATCHED_CANCELLATIONS = 1_028
STOCK_WRITE_OFFS = 1_336
# the seed's exact codes (its patterns TEST\d* and ADJUST\d* match no code of this file)
SEED_CODES = "'POST','DOT','C2','M','ADJUST','B','D','S','PADS','BANK CHARGES','AMAZONFEE','CRUK'"


@pytest.fixture(scope="module")
def online_retail_db(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("online_retail")
    raw = work / "raw"
    ingest_online_retail(datasets_dir / "online_retail" / "online_retail.parquet", raw)
    db = work / "earmark.duckdb"
    run_dbt(raw, db)
    return db


def _first_copies_where(source: Path, condition: str) -> int:
    """Lines of the source file, first copies only (all eight columns equal is a copy), meeting condition."""
    return duckdb.sql(
        f"""
        select count(*) from (
            select *, row_number() over (
                partition by InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
                    CustomerID, Country
            ) as copy_number
            from read_parquet('{source}')
        )
        where copy_number = 1 and {condition}
        """
    ).fetchall()[0][0]


def _flagged(db: Path) -> dict[str, tuple[int, int]]:
    rows = query(
        db, "select rule, rows_flagged, rows_assigned from data_quality where input_file = 'transactions'"
    )
    return {rule: (flagged, assigned) for rule, flagged, assigned in rows}


def test_readme_counts_are_reproduced(online_retail_db: Path) -> None:
    flagged = _flagged(online_retail_db)
    total = query(
        online_retail_db, "select max(input_rows) from data_quality where input_file = 'transactions'"
    )
    assert total == [(541_909,)]
    assert flagged["exact_duplicate"][0] == 5_268
    assert flagged["cancellation_invoice"][0] == 9_288
    assert flagged["return"][0] == 10_624  # every line with quantity < 0
    assert flagged["non_positive_price"][0] == 2_517
    assert flagged["missing_customer"][0] == 541_909 - 406_829


def test_every_line_has_exactly_one_status(online_retail_db: Path, datasets_dir: Path) -> None:
    rows = query(
        online_retail_db,
        "select sum(rows_assigned), sum(rows_assigned) filter (where row_outcome = 'kept') "
        "from data_quality where input_file = 'transactions'",
    )
    total, kept = rows[0]
    assert total == 541_909
    statuses = query(
        online_retail_db, "select count(*), count(line_status) from intermediate.int_transactions_cleaned"
    )
    assert statuses == [(541_909, 541_909)]
    # kept sales, recounted straight from the source file: first copy of a line, not a cancellation,
    # positive quantity and price, a product code, with a customer
    source = datasets_dir / "online_retail" / "online_retail.parquet"
    independent = _first_copies_where(
        source,
        "not InvoiceNo like 'C%' and Quantity > 0 and UnitPrice > 0 "
        f"and upper(trim(StockCode)) not in ({SEED_CODES}) and CustomerID is not null",
    )
    assert kept == independent


def test_customers_and_segments(online_retail_db: Path) -> None:
    # 4,372 distinct CustomerIDs, no e-mails: every reference is its own customer
    assert query(online_retail_db, "select count(*), count(distinct customer_id) from customers") == [
        (4_372, 4_372)
    ]
    assert query(
        online_retail_db,
        "select resolved_customers, records_merged, pairwise_precision from identity_resolution",
    ) == [(4_372, 0, None)]
    # as-of date: the day after the last kept sale (last invoice 2011-12-09)
    assert query(online_retail_db, "select distinct cast(as_of_date as varchar) from customers") == [
        ("2011-12-10",)
    ]
    segments = dict(query(online_retail_db, "select rfm_segment, customers from segment_summary"))
    assert sum(segments.values()) == 4_372
    # customers whose only lines were cancelled, returned or unattributed have no kept purchase
    no_purchase = query(online_retail_db, "select count(*) from customers where frequency = 0")[0][0]
    assert segments.get("No Purchases", 0) == no_purchase > 0
    # the shipped rules: every scored customer lands in exactly one named segment
    assert set(segments) <= {"Top Customers", "At Risk", "New Customers", "Dormant", "Others", "No Purchases"}
    scores = query(
        online_retail_db, "select min(r_score), max(r_score), min(m_score), max(m_score) from customers"
    )
    assert scores == [(1, 5, 1, 5)]


def test_monetary_is_recounted_for_every_customer(online_retail_db: Path) -> None:
    """The benchmark's hand-written query restates the cleaning rules from the raw file (non-product codes
    first, a cancellation counted only after a kept sale of the product by the customer): it gives every
    customer's RFM, monetary included, exactly as dbt does."""
    raw = online_retail_db.parent / "raw"
    dbt_rfm = baselines.read_dbt_rfm(online_retail_db).sort_values("customer_id").reset_index(drop=True)
    floor = baselines.rfm_floor(raw, PROJECT_ROOT / "seeds").sort_values("customer_id").reset_index(drop=True)
    assert len(dbt_rfm) == NON_ZERO_CUSTOMERS
    pd.testing.assert_frame_equal(floor, dbt_rfm, check_exact=True)


def test_credits_on_non_product_codes_and_unmatched_cancellations_do_not_count(
    online_retail_db: Path, datasets_dir: Path
) -> None:
    statuses = dict(
        query(
            online_retail_db,
            "select line_status, count(*) from intermediate.int_transactions_cleaned "
            "where is_cancellation_invoice group by line_status",
        )
    )
    # credit notes on Manual, Discount, Postage, Bank charges, ... are non-product lines: as many as the
    # source has (first copies of C lines whose code is one of the seed's)
    source = datasets_dir / "online_retail" / "online_retail.parquet"
    credits = _first_copies_where(source, f"InvoiceNo like 'C%' and upper(trim(StockCode)) in ({SEED_CODES})")
    assert statuses["non_product_code"] == credits == NON_PRODUCT_CREDITS
    # cancellations of purchases made before the data starts (December 2010 on)
    assert statuses["unmatched_cancellation"] == UNMATCHED_CANCELLATIONS
    assert sum(statuses.values()) == 9_288
    # a stock write-off has no customer; a return has one
    write_offs = query(
        online_retail_db,
        "select count(*), count(customer_ref) from intermediate.int_transactions_cleaned "
        "where line_status = 'stock_write_off'",
    )
    assert write_offs == [(STOCK_WRITE_OFFS, 0)]


def test_the_most_valuable_customers_are_never_automated(online_retail_db: Path) -> None:
    # the top tenth by CLV (var review_top_value_share) goes to review, whatever rule they would match
    top = query(
        online_retail_db,
        "with cut as (select quantile_cont(clv, 0.9) as min_clv from customer_value where clv is not null) "
        "select count(*), count(*) filter (where c.treatment_band = 'review'), "
        "count(*) filter (where c.treatment_band = 'minimal_automated') "
        "from customer_value v join customers c using (customer_id), cut where v.clv >= cut.min_clv",
    )[0]
    valued = query(online_retail_db, "select count(clv) from customer_value")[0][0]
    assert top[0] == pytest.approx(valued / 10, abs=1)
    assert top[1] == top[0] and top[2] == 0


def test_bands_are_reviewed_against_the_purchases_they_imply(online_retail_db: Path) -> None:
    rows = query(
        online_retail_db,
        "select treatment_band_rank, customers, mean_expected_purchases, is_below_a_lower_band "
        "from treatment_band_review order by treatment_band_rank",
    )
    assert sum(row[1] for row in rows) == query(online_retail_db, "select count(*) from customers")[0][0]
    # the rule, recomputed: a ranked band below any ranked band of less touch is flagged
    ranked = [row for row in rows if row[0] >= 1]
    for rank, _, purchases, flagged in ranked:
        lower = [row[2] for row in ranked if row[0] < rank]
        assert flagged == (bool(lower) and purchases < max(lower)), rank
    print({row[0]: (row[1], round(row[2], 3), row[3]) for row in rows})
