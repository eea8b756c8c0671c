"""Read an order book (one row per invoice line, in any column naming) into the raw input contract.

Every line becomes one `transactions` row with its values unchanged (defects included: cleaning
classifies them later), in file order. `customers` gets one record per distinct customer reference:
signup_at is the customer's first invoice time and country the country on most of the customer's lines
(ties broken alphabetically). An order book has no e-mail, account, role, premium flag, activity,
campaigns or outcomes, so those columns are null and those entities are written as zero-row files.

Accepted files: .xlsx (every sheet, in workbook order, read with openpyxl through pandas), .csv (UTF-8,
falling back to Latin-1) and .parquet. `ingest_order_book` takes the contract column -> source column
mapping; `ingest_transactions` (`earmark ingest transactions`) takes it from the user, the Online Retail
adapter from the data set's known namings. Product, description and country are optional: without a
product column every line has the stock code `UNSPECIFIED` (one product, so a cancellation counts once
the customer bought anything before it), without the others they are null.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from earmark import contract
from earmark.contract.duckdb_paths import path_literal
from earmark.ingest.files import write_raw_dir

# The transactions columns a source must map; the others may be absent.
REQUIRED_COLUMNS = ("invoice_ref", "quantity", "invoiced_at", "unit_price", "customer_ref")
# The stock code of every line of a source without a product column.
NO_PRODUCT_CODE = "UNSPECIFIED"

# Text date layouts tried, in order, when InvoiceDate is text DuckDB cannot cast directly (the
# common CSV exports write '12/1/2010 8:26'). One layout must parse every value of the file.
DATE_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%d/%m/%y %H:%M",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
)

EMPTY_ENTITIES = (contract.ACCOUNTS, contract.ACTIVITY, contract.TREATMENTS, contract.OUTCOMES)

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "DECIMAL"}
_TIME_TYPES = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _base(duck_type: str) -> str:
    return duck_type.split("(", 1)[0].strip().upper()


def load_source(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the temp table `src`: the file's columns plus `_row` (file order) and `_part` (sheet)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        con.execute(
            "CREATE TEMP TABLE src AS SELECT * EXCLUDE (file_row_number), file_row_number AS _row, "
            f"0 AS _part FROM read_parquet({path_literal(path)}, file_row_number = true)"
        )
    elif suffix == ".csv":
        last_error: duckdb.Error | None = None
        for encoding in ("utf-8", "latin-1"):
            try:
                # A table keeps the file's order (insertion order is preserved), so its rowid is the line.
                con.execute(
                    f"CREATE TEMP TABLE raw_csv AS SELECT * FROM read_csv({path_literal(path)}, "
                    f"header = true, all_varchar = true, encoding = {_lit(encoding)})"
                )
                break
            except duckdb.Error as exc:
                last_error = exc
        else:
            raise ValueError(f"{path}: cannot read the CSV file: {last_error}") from last_error
        con.execute(
            "CREATE TEMP TABLE src AS SELECT *, rowid AS _row, 0 AS _part FROM raw_csv ORDER BY rowid"
        )
        con.execute("DROP TABLE raw_csv")
    elif suffix in (".xlsx", ".xlsm"):
        import pandas as pd

        # Every cell as text (pandas turns numbers and dates into their str() form, which DuckDB casts
        # back exactly). Only empty cells are missing: text such as 'NA' or 'nan' is a value and is kept
        # (pandas would read it as missing by default). All sheets, in workbook order.
        sheets = pd.read_excel(
            path, sheet_name=None, dtype=str, engine="openpyxl", keep_default_na=False, na_values=[""]
        )
        frames = []
        for part, frame in enumerate(sheets.values()):
            if frame.empty and len(frame.columns) == 0:
                continue
            frames.append(frame.assign(_part=part))
        if not frames:
            raise ValueError(f"{path}: the workbook has no data")
        names = [list(f.columns) for f in frames]
        if any(n != names[0] for n in names[1:]):
            raise ValueError(f"{path}: the sheets do not share one header: {names}")
        data = pd.concat(frames, ignore_index=True)
        data["_row"] = range(len(data))
        con.register("xlsx_frame", data)
        con.execute("CREATE TEMP TABLE src AS SELECT * FROM xlsx_frame")
        con.unregister("xlsx_frame")
    else:
        raise ValueError(f"{path}: unsupported file type '{path.suffix}' (expected .xlsx, .csv or .parquet)")


def _text_expr(col: str, duck_type: str) -> str:
    """A source column as text: numbers that are whole print without a decimal part ('17850.0' -> '17850')."""
    base, c = _base(duck_type), _q(col)
    if base == "VARCHAR":
        return c
    if base in _FLOAT_TYPES:
        return (
            f"CASE WHEN {c} = trunc({c}) AND abs({c}) < 1e15 THEN CAST(CAST({c} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({c} AS VARCHAR) END"
        )
    return f"CAST({c} AS VARCHAR)"


def _customer_expr(col: str, duck_type: str) -> str:
    if _base(duck_type) != "VARCHAR":
        return _text_expr(col, duck_type)
    c = _q(col)
    # Text IDs: an empty string is no customer, and a float rendering '17850.0' is the id '17850'.
    return (
        f"CASE WHEN trim({c}) = '' THEN NULL "
        rf"WHEN regexp_full_match(trim({c}), '-?\d+\.0*') THEN regexp_replace(trim({c}), '\.0*$', '') "
        f"ELSE {c} END"
    )


def _integer_expr(col: str, duck_type: str) -> str:
    base, c = _base(duck_type), _q(col)
    if base in _INTEGER_TYPES:
        return f"CAST({c} AS BIGINT)"
    if base in _FLOAT_TYPES:
        return f"CASE WHEN {c} = trunc({c}) THEN try_cast({c} AS BIGINT) END"
    v = f"trim(CAST({c} AS VARCHAR))"
    return f"CASE WHEN try_cast({v} AS DOUBLE) = try_cast({v} AS BIGINT) THEN try_cast({v} AS BIGINT) END"


def _double_expr(col: str, duck_type: str) -> str:
    base, c = _base(duck_type), _q(col)
    if base in _INTEGER_TYPES or base in _FLOAT_TYPES:
        return f"CAST({c} AS DOUBLE)"
    return f"try_cast(trim(CAST({c} AS VARCHAR)) AS DOUBLE)"


def _timestamp_expr(con: duckdb.DuckDBPyConnection, path: Path, col: str, duck_type: str) -> str:
    base, c = _base(duck_type), _q(col)
    if base in _TIME_TYPES:
        return f"CAST({c} AS TIMESTAMP)"
    if base != "VARCHAR":
        raise ValueError(f"{path}: column '{col}' has type {duck_type}, not a date-time or text")

    def candidates(v: str) -> list[str]:
        return [f"try_cast({v} AS TIMESTAMP)"] + [f"try_strptime({v}, {_lit(f)})" for f in DATE_FORMATS]

    # Try every layout on the distinct values only (far fewer than lines: invoices share times).
    counts = ", ".join(f"count(*) FILTER (WHERE ({e}) IS NULL)" for e in candidates("v"))
    failures = con.sql(
        f"SELECT {counts} FROM (SELECT DISTINCT trim({c}) AS v FROM src WHERE {c} IS NOT NULL)"
    ).fetchall()[0]
    for expr, failed in zip(candidates(f"trim({c})"), failures, strict=True):
        if failed == 0:
            return expr
    return candidates(f"trim({c})")[0]  # none parses every value: the caller reports the unparseable ones


def source_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the loaded source (temp table `src`), without the ones the loader adds."""
    return [name for name, *_ in con.sql("DESCRIBE src").fetchall() if name not in ("_row", "_part")]


def _build_transactions(con: duckdb.DuckDBPyConnection, path: Path, cols: Mapping[str, str | None]) -> None:
    described = {name: typ for name, typ, *_ in con.sql("DESCRIBE src").fetchall()}
    t = {target: (source, described[source]) for target, source in cols.items() if source is not None}
    null_text = "CAST(NULL AS VARCHAR)"
    exprs = {
        "invoice_ref": _text_expr(*t["invoice_ref"]),
        "stock_code": _text_expr(*t["stock_code"]) if "stock_code" in t else _lit(NO_PRODUCT_CODE),
        "description": _text_expr(*t["description"]) if "description" in t else null_text,
        "quantity": _integer_expr(*t["quantity"]),
        "unit_price": _double_expr(*t["unit_price"]),
        "invoiced_at": _timestamp_expr(con, path, *t["invoiced_at"]),
        "customer_ref": _customer_expr(*t["customer_ref"]),
        "country": _text_expr(*t["country"]) if "country" in t else null_text,
    }
    # Converted once; the checked source columns ride along so values that did not convert are found
    # without converting again. They are an error: every line must keep its value.
    checked = ("quantity", "unit_price", "invoiced_at")
    select = ", ".join(f"{exprs[c.name]} AS {c.name}" for c in contract.TRANSACTIONS.columns)
    raw = ", ".join(f"{_q(cols[k])} AS {_q('_raw_' + k)}" for k in checked)
    con.execute(f"CREATE TEMP TABLE tx AS SELECT {select}, {raw}, _row, _part FROM src ORDER BY _row")
    con.execute("DROP TABLE src")
    aggregates = []
    for k in checked:
        source = _q("_raw_" + k)
        failed = f"{source} IS NOT NULL AND {k} IS NULL"
        aggregates.append(f"count(*) FILTER (WHERE {failed})")
        aggregates.append(f"arg_min(CAST({source} AS VARCHAR), _row) FILTER (WHERE {failed})")
    bad = con.sql(f"SELECT {', '.join(aggregates)} FROM tx").fetchall()[0]
    problems = [
        f"column '{cols[k]}': {bad[2 * i]:,} values do not convert to "
        f"{contract.TRANSACTIONS.column(k).type}, e.g. {bad[2 * i + 1]!r}"
        for i, k in enumerate(checked)
        if bad[2 * i]
    ]
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))


def _warn_overlapping_sheets(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    spans = con.sql(
        "SELECT _part, min(invoiced_at), max(invoiced_at) FROM tx GROUP BY _part ORDER BY _part"
    ).fetchall()
    for (p1, lo1, hi1), (p2, lo2, hi2) in itertools.pairwise(spans):
        if None not in (lo1, hi1, lo2, hi2) and lo2 <= hi1 and lo1 <= hi2:
            warnings.warn(
                f"{path}: sheets {p1 + 1} and {p2 + 1} cover overlapping invoice dates ({lo2} to {hi1}); all "
                "lines are kept as they are, so lines listed on both sheets appear twice",
                stacklevel=3,
            )


_CUSTOMERS_SQL = """
WITH lines AS (
    SELECT customer_ref, country, invoiced_at FROM tx WHERE customer_ref IS NOT NULL
),
country_counts AS (
    SELECT customer_ref, country, count(*) AS n FROM lines WHERE country IS NOT NULL GROUP BY ALL
),
main_country AS (
    SELECT customer_ref, arg_min(country, (-n, country)) AS country FROM country_counts GROUP BY customer_ref
)
SELECT
    l.customer_ref,
    CAST(NULL AS VARCHAR) AS email,
    CAST(NULL AS VARCHAR) AS account_ref,
    CAST(NULL AS VARCHAR) AS role,
    min(l.invoiced_at) AS signup_at,
    any_value(m.country) AS country,
    CAST(NULL AS BOOLEAN) AS is_premium
FROM lines AS l LEFT JOIN main_country AS m USING (customer_ref)
GROUP BY l.customer_ref
ORDER BY l.customer_ref
"""


def _write(con: duckdb.DuckDBPyConnection, query: str, entity: contract.Entity, out_dir: Path) -> int:
    table = con.sql(query).to_arrow_table().cast(contract.arrow_schema(entity))
    pq.write_table(table, out_dir / entity.file_name)
    return table.num_rows


ColumnMapping = Mapping[str, str | None]


def ingest_order_book(
    path: Path, out_dir: Path, columns: ColumnMapping | Callable[[list[str]], ColumnMapping]
) -> dict[str, int]:
    """Write the raw contract files for an order book into `out_dir`; return rows per file. `columns` maps
    contract columns of transactions to the source's column names (exactly as the source spells them);
    a missing optional column maps to None or is left out. The file is loaded once: `columns` may also be
    a function of the source's column names returning that mapping (it raises ValueError to refuse)."""
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        load_source(con, path)
        mapping = columns(source_columns(con)) if callable(columns) else dict(columns)
        _build_transactions(con, path, mapping)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            _warn_overlapping_sheets(con, path)
        out_dir.mkdir(parents=True, exist_ok=True)
        tx_columns = ", ".join(c.name for c in contract.TRANSACTIONS.columns)
        counts = {
            "customers": _write(con, _CUSTOMERS_SQL, contract.CUSTOMERS, out_dir),
            "transactions": _write(
                con, f"SELECT {tx_columns} FROM tx ORDER BY _row", contract.TRANSACTIONS, out_dir
            ),
        }
    finally:
        con.close()
    return {**counts, **write_raw_dir(out_dir, {}, EMPTY_ENTITIES)}


# The `earmark ingest transactions` options: contract column -> the option naming its source column.
COLUMN_OPTIONS = {
    "customer_ref": "customer",
    "invoice_ref": "invoice",
    "invoiced_at": "date",
    "quantity": "quantity",
    "unit_price": "price",
    "stock_code": "product",
    "description": "description",
    "country": "country",
}


def _mapped_columns(path: Path, given: Mapping[str, str | None], columns: list[str]) -> dict[str, str | None]:
    """The user's mapping resolved against the file's header (ignoring case and surrounding spaces); a
    ValueError naming the file, the option and the column when a named column is not in the file."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(column.strip().lower(), column)
    resolved: dict[str, str | None] = {}
    for target, option in COLUMN_OPTIONS.items():
        name = given.get(target)
        if name is None:
            if target in REQUIRED_COLUMNS:
                raise ValueError(f"{path}: --{option} is required: name the column that holds {target}")
            resolved[target] = None
            continue
        found = by_key.get(name.strip().lower())
        if found is None:
            header = ", ".join(repr(c) for c in columns)
            raise ValueError(
                f"{path}: --{option} names column {name!r}, which the file does not have; found {header}"
            )
        resolved[target] = found
    return resolved


def ingest_transactions(
    path: Path,
    out_dir: Path,
    *,
    customer: str,
    invoice: str,
    date: str,
    quantity: str,
    price: str,
    product: str | None = None,
    description: str | None = None,
    country: str | None = None,
) -> dict[str, int]:
    """`earmark ingest transactions`: an order book in any layout, its columns named by the user."""
    given = {
        "customer_ref": customer,
        "invoice_ref": invoice,
        "invoiced_at": date,
        "quantity": quantity,
        "unit_price": price,
        "stock_code": product,
        "description": description,
        "country": country,
    }
    path = Path(path)
    return ingest_order_book(path, out_dir, lambda columns: _mapped_columns(path, given, columns))
