"""Ingest the CDNOW sample (Fader and Hardie's CD-retailer cohort, `CDNOW_sample.txt`) into the raw input
contract.

The source has no header and one purchase line per row, fields separated by whitespace: customer id, a
second id (a running number of the sample's customers, one per customer id: not used), the day as
yyyymmdd, the number of CDs and the dollar value of the line. Each line becomes one `transactions` row, in
file order:

- invoice_ref `line-<line number>` (the file has no order number, so every line is its own order;
  not prefixed with "cdnow": a reference starting with C is a cancellation invoice to cleaning;
  identical lines of one customer on one day, 21 in the published file, stay two lines, because nothing
  tells a repeated line from two equal orders; purchases are counted per day downstream either way),
- stock_code `CD`, description `CDs`, quantity the CDs, unit_price dollars / CDs (dollars when there are
  no CDs), invoiced_at the day at midnight, customer_ref the id as written (leading zeros kept), country
  null.

Lines with 0 dollars (8 in the published file, each the only purchase of its customer) keep their value:
cleaning excludes them as `non_positive_price`, so they show in data_quality and those customers have no
kept sale; a line with 0 CDs would be excluded as `malformed`. Nothing is dropped here.

`customers` gets one record per customer id with signup_at its first purchase day; the file has no
e-mail, account, role, country or premium flag, so those are null, and accounts, activity, treatments and
outcomes are zero-row files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from earmark import contract
from earmark.ingest.files import write_raw_dir

EMPTY_ENTITIES = (contract.ACCOUNTS, contract.ACTIVITY, contract.TREATMENTS, contract.OUTCOMES)
FIELDS = ("customer_id", "sample_id", "day", "cds", "dollars")


def read_cdnow(path: Path) -> pd.DataFrame:
    """The file's lines in order: line (1-based), customer_ref, purchased_at (the day), cds, dollars.

    ValueError names the file and the first line that does not have five fields, a yyyymmdd day, a whole
    number of CDs or a number of dollars; CDs or dollars below zero are an error too.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    rows: list[tuple[int, str, str, str, str]] = []
    with path.open(encoding="ascii", errors="strict") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            parts = text.split()
            if len(parts) != len(FIELDS):
                raise ValueError(f"{path}: line {number}: expected {len(FIELDS)} fields, found {len(parts)}")
            rows.append((number, parts[0], parts[2], parts[3], parts[4]))
    frame = pd.DataFrame(rows, columns=["line", "customer_ref", "day", "cds", "dollars"])
    days = pd.to_datetime(frame["day"], format="%Y%m%d", errors="coerce")
    cds = pd.to_numeric(frame["cds"], errors="coerce")
    dollars = pd.to_numeric(frame["dollars"], errors="coerce")
    checks = (
        ("day", days.isna(), "not a yyyymmdd day"),
        ("CDs", cds.isna() | (cds != cds.round()) | (cds < 0), "not a whole number of CDs, 0 or more"),
        ("dollars", ~(dollars.abs() < float("inf")) | (dollars < 0), "not a finite sum of 0 or more"),
    )
    for name, bad, what in checks:
        if bad.any():
            first = int(bad.to_numpy().argmax())
            line, value = frame["line"].iat[first], frame[name.lower()].iat[first]
            raise ValueError(f"{path}: line {line}: {name} {value!r} is {what}")
    return pd.DataFrame(
        {
            "line": frame["line"].astype("int64"),
            "customer_ref": frame["customer_ref"],
            "purchased_at": days.astype("datetime64[us]"),
            "cds": cds.astype("int64"),
            "dollars": dollars.astype(float),
        }
    )


def _transactions(lines: pd.DataFrame) -> pa.Table:
    cds = lines["cds"].to_numpy()
    dollars = lines["dollars"].to_numpy()
    unit_price = [d / c if c > 0 else d for c, d in zip(cds, dollars, strict=True)]
    n = len(lines)
    return pa.Table.from_pydict(
        {
            "invoice_ref": [f"line-{line}" for line in lines["line"]],
            "stock_code": ["CD"] * n,
            "description": ["CDs"] * n,
            "quantity": lines["cds"].tolist(),
            "unit_price": unit_price,
            "invoiced_at": lines["purchased_at"].tolist(),
            "customer_ref": lines["customer_ref"].tolist(),
            "country": [None] * n,
        },
        schema=contract.arrow_schema(contract.TRANSACTIONS),
    )


def _customers(lines: pd.DataFrame) -> pa.Table:
    first = lines.groupby("customer_ref", sort=True)["purchased_at"].min()
    n = len(first)
    columns: dict[str, list] = {name: [None] * n for name in (c.name for c in contract.CUSTOMERS.columns)}
    columns["customer_ref"] = first.index.tolist()
    columns["signup_at"] = first.tolist()
    return pa.Table.from_pydict(columns, schema=contract.arrow_schema(contract.CUSTOMERS))


def ingest_cdnow(path: Path, out_dir: Path) -> dict[str, int]:
    """Write the raw contract files for CDNOW_sample.txt into `out_dir`; return rows per file."""
    lines = read_cdnow(path)
    tables = {contract.CUSTOMERS: _customers(lines), contract.TRANSACTIONS: _transactions(lines)}
    return write_raw_dir(Path(out_dir), tables, EMPTY_ENTITIES)
