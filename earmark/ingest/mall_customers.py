"""Ingest the Kaggle "Mall Customers" table into the raw input contract.

The source is one row per customer: `CustomerID, Gender, Age, Annual Income (k$), Spending Score
(1-100)` (CRLF line ends in the published file; any line ending is accepted). Each row becomes one
`customers` record, in file order: customer_ref is CustomerID as text, the contract columns the source
lacks (email, account_ref, role, signup_at, country, is_premium) are null, and the four attributes
follow as extra columns: gender (string), age (int64), annual_income (double, thousands of dollars) and
spending_score (int64, 1-100). There are no transactions, accounts, activity, campaigns or outcomes, so
those entities are zero-row files. Header names are matched ignoring case and surrounding spaces.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from earmark import contract
from earmark.ingest.files import read_source_csv, write_raw_dir

# Attribute column -> (source column, Arrow type).
ATTRIBUTES: dict[str, tuple[str, pa.DataType]] = {
    "gender": ("Gender", pa.string()),
    "age": ("Age", pa.int64()),
    "annual_income": ("Annual Income (k$)", pa.float64()),
    "spending_score": ("Spending Score (1-100)", pa.int64()),
}
ID_COLUMN = "CustomerID"

EMPTY_ENTITIES = (
    contract.TRANSACTIONS,
    contract.ACCOUNTS,
    contract.ACTIVITY,
    contract.TREATMENTS,
    contract.OUTCOMES,
)


def customers_schema() -> pa.Schema:
    """The contract's customers schema followed by the Mall Customers attribute columns."""
    schema = contract.arrow_schema(contract.CUSTOMERS)
    for name, (_, arrow_type) in ATTRIBUTES.items():
        schema = schema.append(pa.field(name, arrow_type, nullable=True))
    return schema


def _text(series: pd.Series) -> pd.Series:
    stripped = series.str.strip()
    return stripped.where(stripped != "", None)


def _convert(path: Path, source: str, series: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    text = _text(series)
    if pa.types.is_string(arrow_type):
        return pa.array(text.tolist(), type=arrow_type)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & numbers.isna()
    if pa.types.is_integer(arrow_type):
        bad |= numbers.notna() & (numbers != numbers.round())
    if bad.any():
        raise ValueError(
            f"{path}: column '{source}': {int(bad.sum())} values are not "
            f"{'whole numbers' if pa.types.is_integer(arrow_type) else 'numbers'}, e.g. {text[bad].iloc[0]!r}"
        )
    values = [
        None if pd.isna(v) else (int(v) if pa.types.is_integer(arrow_type) else float(v)) for v in numbers
    ]
    return pa.array(values, type=arrow_type)


def ingest_mall_customers(path: Path, out_dir: Path) -> dict[str, int]:
    """Write the raw contract files for Mall_Customers.csv into `out_dir`; return rows per file.

    Raises FileNotFoundError when the file is absent and ValueError naming the file and column when a
    source column is missing, a CustomerID is empty, or a number does not parse.
    """
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    source, columns = read_source_csv(path, (ID_COLUMN, *(src for src, _ in ATTRIBUTES.values())))

    refs = _text(source[columns[ID_COLUMN]])
    if refs.isna().any():
        line = int(refs.isna().to_numpy().argmax()) + 2
        raise ValueError(f"{path}: column '{ID_COLUMN}': empty value on line {line}")
    # Numeric ids written as floats by some exports ('1.0') keep their integer form.
    numeric = pd.to_numeric(refs, errors="coerce")
    whole = numeric.notna() & (numeric == numeric.round())
    refs = refs.where(~whole, numeric.where(whole).astype("Int64").astype(str))

    n = len(source)
    schema = customers_schema()
    arrays: list[pa.Array] = [pa.array(refs.tolist(), type=pa.string())]
    for field in list(schema)[1 : len(contract.CUSTOMERS.columns)]:
        arrays.append(pa.nulls(n, type=field.type))
    for src, arrow_type in ATTRIBUTES.values():
        arrays.append(_convert(path, src, source[columns[src]], arrow_type))
    table = pa.Table.from_arrays(arrays, schema=schema)

    return write_raw_dir(out_dir, {contract.CUSTOMERS: table}, EMPTY_ENTITIES)
