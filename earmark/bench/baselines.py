"""The feature baselines `make bench` compares the dbt lineage with: one hand-written DuckDB query from the
raw files to the RFM table (the floor) and the same table in pandas, both checked equal to dbt's."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from earmark import contract
from earmark.bench.segmentation import StepRecorder
from earmark.contract.duckdb_paths import path_literal

# --------------------------------------------------------------------------------------------------
# The feature baselines

# The RFM table of int_customer_rfm_scored in one query over the raw files. Rules, in the models' order:
# - int_transactions_cleaned: a line is malformed when invoice, stock code, quantity, price or time is null
#   or the quantity 0; of exact duplicates (all eight columns equal) only one copy counts (which one does
#   not matter: they are equal). Then the first matching rule decides: a non-product stock code (the
#   trimmed code fully matches a seed code or pattern, any case) excludes the line; a cancellation invoice
#   (starts with C) or a negative quantity is a reversal; a price <= 0, a missing or unknown customer
#   excludes the line; the rest are kept sales. A cancellation counts only when its customer has a kept
#   sale of the same product (upper-cased, trimmed code) at or before it.
# - identity (int_customer_records_keyed, int_customer_ref_periods): the customer id is 'C' + 16 hex of
#   md5(matching key), the key the normalised e-mail (lower, trimmed of spaces, first +tag dropped, empty
#   means none) or else the raw reference; a reference belongs to its owners in order of their first
#   signup (null first), the first owner also holding everything before; a line goes to the owner whose
#   period holds its time.
# - int_feature_as_of_date: the day after the last kept sale (var as_of_date unset).
# - int_customer_sales_features and int_customer_rfm_scored: lines before the as-of date with a customer;
#   frequency distinct kept invoices, recency days since the last kept sale, monetary the kept value plus
#   the reversed value (line values fixed-point to 4 decimals), floored at 0; customers with a kept sale.
# - macro quantile_score: score = 1 + floor(bins * (min rank - 1) / n), recency ranked descending.
RFM_FLOOR_SQL = r"""
with

lines as (
    select distinct
        cast(invoice_ref as varchar) as invoice_ref,
        cast(stock_code as varchar) as stock_code,
        cast(description as varchar) as description,
        cast(quantity as bigint) as quantity,
        cast(unit_price as double) as unit_price,
        cast(invoiced_at as timestamp) as invoiced_at,
        cast(customer_ref as varchar) as customer_ref,
        cast(country as varchar) as country
    from read_parquet('{transactions}')
    where
        invoice_ref is not null and stock_code is not null and quantity is not null
        and unit_price is not null and invoiced_at is not null and quantity <> 0
),

non_product_patterns as (
    select distinct '(?i)' || trim(cast(stock_code as varchar)) as code_pattern
    from read_csv('{non_product_codes}', header = true, all_varchar = true)
),

non_product_codes as (
    select distinct codes.stock_code
    from (select distinct stock_code from lines) as codes
    inner join non_product_patterns on regexp_full_match(upper(trim(codes.stock_code)), code_pattern)
),

classified as (
    select
        lines.*,
        case
            when non_product_codes.stock_code is not null then 'excluded'
            when upper(lines.invoice_ref) like 'C%' then 'cancellation'
            when lines.quantity < 0 then 'reversal'
            when lines.unit_price <= 0 then 'excluded'
            when lines.customer_ref is null then 'excluded'
            else 'kept'
        end as kind
    from lines
    left join non_product_codes on lines.stock_code = non_product_codes.stock_code
),

records as (
    select
        cast(customer_ref as varchar) as customer_ref,
        cast(signup_at as timestamp) as signup_at,
        'C' || left(md5(coalesce(
            'email:' || nullif(regexp_replace(lower(trim(cast(email as varchar))), '\+[^@]*@', '@'), ''),
            'ref:' || cast(customer_ref as varchar)
        )), 16) as customer_id
    from read_parquet('{customers}')
),

owners as (
    select customer_ref, customer_id, min(signup_at) as owner_since
    from records
    group by customer_ref, customer_id
),

periods as (
    select
        customer_ref,
        customer_id,
        case when row_number() over owner_order = 1 then '-infinity'::timestamp else owner_since end
            as valid_from,
        coalesce(lead(owner_since) over owner_order, 'infinity'::timestamp) as valid_to
    from owners
    window owner_order as (partition by customer_ref order by owner_since nulls first, customer_id)
),

attributed_lines as (
    select
        periods.customer_id,
        classified.invoice_ref,
        upper(trim(classified.stock_code)) as product_code,
        classified.invoiced_at,
        classified.kind,
        cast(classified.quantity * classified.unit_price as decimal(18, 4)) as line_value
    from classified
    inner join periods
        on classified.customer_ref = periods.customer_ref
        and classified.invoiced_at >= periods.valid_from
        and classified.invoiced_at < periods.valid_to
    where classified.kind in ('kept', 'cancellation', 'reversal')
),

first_kept as (
    select customer_id, product_code, min(invoiced_at) as first_kept_at
    from attributed_lines
    where kind = 'kept'
    group by customer_id, product_code
),

attributed as (
    select attributed_lines.* replace (
        case
            when attributed_lines.kind != 'cancellation' then attributed_lines.kind
            when first_kept.first_kept_at <= attributed_lines.invoiced_at then 'reversal'
            else 'unmatched'
        end as kind
    )
    from attributed_lines
    left join first_kept using (customer_id, product_code)
),

as_of as (
    select cast(max(invoiced_at) as date) + 1 as as_of_date from attributed where kind = 'kept'
),

per_customer as (
    select
        attributed.customer_id,
        count(distinct attributed.invoice_ref) filter (where attributed.kind = 'kept') as frequency,
        max(attributed.invoiced_at) filter (where attributed.kind = 'kept') as last_purchase_at,
        coalesce(sum(attributed.line_value) filter (where attributed.kind = 'kept'), 0) as gross_sales,
        coalesce(sum(attributed.line_value) filter (where attributed.kind = 'reversal'), 0)
            as reversed_value
    from attributed
    cross join as_of
    where attributed.invoiced_at < cast(as_of.as_of_date as timestamp)
    group by attributed.customer_id
    having count(*) filter (where attributed.kind = 'kept') > 0
),

measured as (
    select
        per_customer.customer_id,
        per_customer.frequency,
        as_of.as_of_date - cast(per_customer.last_purchase_at as date) as recency_days,
        greatest(cast(per_customer.gross_sales as double) + cast(per_customer.reversed_value as double), 0)
            as monetary
    from per_customer
    cross join as_of
),

scored as (
    select
        *,
        cast(1 + floor({bins} * (rank() over (order by recency_days desc) - 1) / count(*) over ()) as integer)
            as r_score,
        cast(1 + floor({bins} * (rank() over (order by frequency asc) - 1) / count(*) over ()) as integer)
            as f_score,
        cast(1 + floor({bins} * (rank() over (order by monetary asc) - 1) / count(*) over ()) as integer)
            as m_score
    from measured
)

select
    *,
    cast(r_score as varchar) || cast(f_score as varchar) || cast(m_score as varchar) as rfm_code
from scored
"""

RFM_COLUMNS = (
    "customer_id",
    "frequency",
    "recency_days",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
)
RFM_INTEGER_COLUMNS = ("frequency", "recency_days", "r_score", "f_score", "m_score")
# The contract's eight transaction columns: all of them define an exact duplicate line.
TRANSACTION_COLUMNS = tuple(column.name for column in contract.TRANSACTIONS.columns)


def _sql_path(path: Path) -> str:
    # the text between the template's quotes: quotes doubled, glob characters literal
    return path_literal(path)[1:-1]


def rfm_floor_sql(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> str:
    """`RFM_FLOOR_SQL` with the raw files, the non-product stock code seed and the number of score bins
    (var rfm_bins) filled in."""
    return RFM_FLOOR_SQL.format(
        transactions=_sql_path(raw_dir / "transactions.parquet"),
        customers=_sql_path(raw_dir / "customers.parquet"),
        non_product_codes=_sql_path(seeds_dir / "non_product_stock_codes.csv"),
        bins=int(bins),
    )


def rfm_floor(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> pd.DataFrame:
    """The RFM table computed by the one floor query on an in-memory DuckDB."""
    with duckdb.connect() as con:
        return con.sql(rfm_floor_sql(raw_dir, seeds_dir, bins)).df()


def _fixed_point_e4(values: pd.Series) -> pd.Series:
    """Values as integer ten-thousandths, rounded half away from zero: what DuckDB's cast of a double to
    decimal(18, 4) does, so sums are exact as they are in the dbt model."""
    scaled = values * 10_000
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype("int64")


def _quantile_score(values: pd.Series, bins: int, ascending: bool) -> pd.Series:
    """Macro quantile_score: 1 + floor(bins * (min rank - 1) / n); ties share the score."""
    rank = values.rank(method="min", ascending=ascending).astype("int64")
    return (1 + bins * (rank - 1) // len(values)).astype("int32")


def rfm_pandas(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> pd.DataFrame:
    """The RFM table of int_customer_rfm_scored in plain pandas (vectorised, no DuckDB), rule for rule
    the same as `RFM_FLOOR_SQL` (see the comment above it)."""
    lines = pd.read_parquet(raw_dir / "transactions.parquet", columns=list(TRANSACTION_COLUMNS))
    customers = pd.read_parquet(raw_dir / "customers.parquet", columns=["customer_ref", "email", "signup_at"])
    patterns = pd.read_csv(seeds_dir / "non_product_stock_codes.csv", dtype=str)["stock_code"].str.strip(" ")

    # Cleaning: drop malformed lines, keep one copy of exact duplicates, classify by the first rule met.
    required = ["invoice_ref", "stock_code", "quantity", "unit_price", "invoiced_at"]
    lines = lines[lines[required].notna().all(axis=1) & (lines["quantity"] != 0)]
    lines = lines.drop_duplicates(subset=list(TRANSACTION_COLUMNS))
    product_code = lines["stock_code"].str.strip(" ").str.upper()
    non_product = pd.Series(False, index=lines.index)
    for pattern in patterns:
        non_product |= product_code.str.fullmatch(pattern, case=False)
    is_cancellation = ~non_product & lines["invoice_ref"].str.upper().str.startswith("C")
    is_reversal = ~non_product & (is_cancellation | (lines["quantity"] < 0))
    is_kept = ~is_reversal & ~non_product & (lines["unit_price"] > 0) & lines["customer_ref"].notna()
    lines = lines.assign(is_kept=is_kept, is_cancellation=is_cancellation, product_code=product_code)
    lines = lines[is_reversal | is_kept]

    # Identity: matching key, resolved id, ownership periods of each reference.
    email_key = customers["email"].str.strip(" ").str.lower().str.replace(r"\+[^@]*@", "@", n=1, regex=True)
    email_key = email_key.mask(email_key == "")
    matching_key = ("email:" + email_key).fillna("ref:" + customers["customer_ref"])
    ids = {key: "C" + hashlib.md5(key.encode()).hexdigest()[:16] for key in matching_key.unique()}
    customers = customers.assign(customer_id=matching_key.map(ids))
    owners = (
        customers.groupby(["customer_ref", "customer_id"], as_index=False)["signup_at"]
        .min()
        .rename(columns={"signup_at": "owner_since"})
        .sort_values(["customer_ref", "owner_since", "customer_id"], na_position="first")
    )
    by_ref = owners.groupby("customer_ref")
    # The first owner also holds everything before its signup; the next owner's start ends a period, and
    # a missing start (the last owner, or a next owner without signup) leaves it open.
    owners["is_first_owner"] = by_ref.cumcount() == 0
    owners["valid_to"] = by_ref["owner_since"].shift(-1)

    # Attribute each line to the owner of its reference at its time.
    attributed = lines.merge(owners, on="customer_ref", how="inner")
    at = attributed["invoiced_at"]
    attributed = attributed[
        (attributed["is_first_owner"] | (at >= attributed["owner_since"]))
        & (attributed["valid_to"].isna() | (at < attributed["valid_to"]))
    ]
    # A cancellation counts only after a kept sale of the same product by the same customer.
    first_kept = (
        attributed[attributed["is_kept"]]
        .groupby(["customer_id", "product_code"])["invoiced_at"]
        .min()
        .rename("first_kept_at")
    )
    attributed = attributed.join(first_kept, on=["customer_id", "product_code"])
    unmatched = attributed["is_cancellation"] & ~(attributed["first_kept_at"] <= attributed["invoiced_at"])
    attributed = attributed[~unmatched]
    as_of = attributed.loc[attributed["is_kept"], "invoiced_at"].max().normalize() + pd.Timedelta(days=1)
    attributed = attributed[attributed["invoiced_at"] < as_of]
    attributed = attributed.assign(
        value_e4=_fixed_point_e4(attributed["quantity"] * attributed["unit_price"])
    )

    # Sales features, then RFM and the quantile scores.
    kept = attributed[attributed["is_kept"]]
    rfm = kept.groupby("customer_id").agg(
        frequency=("invoice_ref", "nunique"),
        last_purchase_at=("invoiced_at", "max"),
        gross_e4=("value_e4", "sum"),
    )
    reversed_e4 = attributed[~attributed["is_kept"]].groupby("customer_id")["value_e4"].sum()
    rfm["reversed_e4"] = reversed_e4.reindex(rfm.index, fill_value=0)
    rfm["recency_days"] = (as_of - rfm["last_purchase_at"].dt.normalize()).dt.days
    rfm["monetary"] = np.maximum(rfm["gross_e4"] / 10_000 + rfm["reversed_e4"] / 10_000, 0.0)
    rfm["r_score"] = _quantile_score(rfm["recency_days"], bins, ascending=False)
    rfm["f_score"] = _quantile_score(rfm["frequency"], bins, ascending=True)
    rfm["m_score"] = _quantile_score(rfm["monetary"], bins, ascending=True)
    rfm["rfm_code"] = rfm["r_score"].astype(str) + rfm["f_score"].astype(str) + rfm["m_score"].astype(str)
    return rfm.reset_index()[list(RFM_COLUMNS)]


def read_dbt_rfm(db: Path) -> pd.DataFrame:
    """The dbt model int_customer_rfm_scored from a built warehouse (opened read-only)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(f"select {', '.join(RFM_COLUMNS)} from intermediate.int_customer_rfm_scored").df()


def compare_rfm(expected: pd.DataFrame, actual: pd.DataFrame, label: str, tolerance: float = 1e-6) -> int:
    """Check that an RFM table equals the dbt one: the same customers, equal integer columns and RFM codes,
    monetary within `tolerance`. Return the row count; raise AssertionError naming what differs."""
    left = expected.set_index("customer_id").sort_index()
    right = actual.set_index("customer_id").sort_index()
    if not left.index.is_unique or not right.index.is_unique:
        raise AssertionError(f"{label}: customer_id is not unique")
    if not left.index.equals(right.index):
        only_dbt = left.index.difference(right.index)
        only_other = right.index.difference(left.index)
        raise AssertionError(
            f"{label}: {len(only_dbt)} customers only in dbt (e.g. {list(only_dbt[:3])}), "
            f"{len(only_other)} only in {label} (e.g. {list(only_other[:3])})"
        )
    problems = []
    for column in RFM_INTEGER_COLUMNS:
        differ = left[column].astype("int64").to_numpy() != right[column].astype("int64").to_numpy()
        if differ.any():
            problems.append(f"{column} differs for {int(differ.sum())} customers")
    differ = left["rfm_code"].astype(str).to_numpy() != right["rfm_code"].astype(str).to_numpy()
    if differ.any():
        problems.append(f"rfm_code differs for {int(differ.sum())} customers")
    gap = float(
        np.max(np.abs(left["monetary"].to_numpy(float) - right["monetary"].to_numpy(float)), initial=0)
    )
    if gap > tolerance:
        problems.append(f"monetary differs by up to {gap:g}")
    if problems:
        raise AssertionError(
            f"{label} != dbt int_customer_rfm_scored ({len(left):,} rows): " + "; ".join(problems)
        )
    return len(left)


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# A single cold run is not a floor: each baseline is timed as the best of this many runs in one process.
BASELINE_RUNS = 3


def best_of(seconds: Sequence[float]) -> dict[str, Any]:
    """Figures of repeated timings: the best (the floor the machine allows), every run, and the spread
    (slowest over best), which says how noisy the machine was while they ran."""
    runs = [float(s) for s in seconds]
    best = min(runs)
    return {"seconds": best, "runs_seconds": runs, "spread": max(runs) / best if best > 0 else float("nan")}


def measure_in_process(
    name: str, function: Callable[[], Any], runs: int = BASELINE_RUNS
) -> tuple[Any, dict[str, Any]]:
    """Run a baseline `runs` times in this process under the segmentation benchmark's StepRecorder: the
    best wall seconds with every run and their spread (best_of), CPU seconds of the best run, peak RSS of
    the process over the runs (sampled every 5 ms) and how far that peak rose above the process's RSS at
    the start (the baseline's own working memory, DuckDB's and Arrow's buffers included). The first run
    pays the cold file reads; the best of the rest is what the code costs."""
    gc.collect()
    start_mb = _rss_mb()
    recorder = StepRecorder()
    result = None
    for run in range(runs):
        del result  # the previous run's frame is not held while the next one is computed
        gc.collect()
        with recorder(f"{name}:{run + 1}"):
            result = function()
    timed = recorder.rows
    best = min(timed, key=lambda row: row["seconds"])
    figures: dict[str, Any] = {
        **best_of([row["seconds"] for row in timed]),
        "cpu_seconds": best["cpu_seconds"],
        "peak_rss_mb": max(row["peak_rss_mb"] for row in timed),
    }
    figures["above_start_mb"] = figures["peak_rss_mb"] - start_mb
    return result, figures
