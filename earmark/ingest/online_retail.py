"""Ingest the UCI Online Retail data set (or "Online Retail II") into the raw input contract.

The source is one row per invoice line. Every line becomes one `transactions` row with its values
unchanged (defects included: cleaning classifies them later), in file order. `customers` gets one
record per distinct CustomerID: signup_at is the customer's first invoice time and country the
country on most of the customer's lines (ties broken alphabetically). The source has no e-mail,
account, role, premium flag, activity, campaigns or outcomes, so those columns are null and those
entities are written as zero-row files.

The reading is the generic order book's (`earmark.ingest.order_book`); this module knows the data
set's two namings. Accepted inputs: .xlsx (every sheet, in workbook order, read with openpyxl through
pandas), .csv (UTF-8, falling back to Latin-1) and .parquet; with the original column names (InvoiceNo,
UnitPrice, CustomerID, ...) or the "Online Retail II" names (Invoice, Price, Customer ID, ...). Header
names are matched ignoring case and surrounding spaces.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from earmark.ingest.order_book import ingest_order_book

# Contract column of transactions -> source column, for each known naming.
ORIGINAL_NAMES: dict[str, str] = {
    "invoice_ref": "InvoiceNo",
    "stock_code": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "invoiced_at": "InvoiceDate",
    "unit_price": "UnitPrice",
    "customer_ref": "CustomerID",
    "country": "Country",
}
RETAIL_II_NAMES: dict[str, str] = {
    "invoice_ref": "Invoice",
    "stock_code": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "invoiced_at": "InvoiceDate",
    "unit_price": "Price",
    "customer_ref": "Customer ID",
    "country": "Country",
}
NAMINGS: dict[str, dict[str, str]] = {"Online Retail": ORIGINAL_NAMES, "Online Retail II": RETAIL_II_NAMES}


def _resolve_columns(path: Path, columns: list[str]) -> dict[str, str]:
    """Contract column -> actual source column name; ValueError naming the first missing column."""
    by_key = {c.strip().lower(): c for c in columns if c not in ("_row", "_part")}
    best_label, best_hits = "", -1
    for label, naming in NAMINGS.items():
        hits = sum(src.lower() in by_key for src in naming.values())
        if hits > best_hits:
            best_label, best_hits = label, hits
    naming = NAMINGS[best_label]
    missing = [src for src in naming.values() if src.lower() not in by_key]
    if missing:
        found = ", ".join(repr(c) for c in columns if c not in ("_row", "_part"))
        raise ValueError(
            f"{path}: required column '{missing[0]}' is missing"
            + (f" (also missing: {', '.join(repr(m) for m in missing[1:])})" if missing[1:] else "")
            + f"; expected the {best_label} columns {', '.join(naming.values())}; found {found}"
        )
    return {target: by_key[src.lower()] for target, src in naming.items()}


def ingest_online_retail(path: Path, out_dir: Path) -> dict[str, int]:
    """Write the raw contract files for an Online Retail file into `out_dir`; return rows per file."""
    path = Path(path)
    return ingest_order_book(path, out_dir, partial(_resolve_columns, path))
