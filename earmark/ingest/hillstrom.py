"""Ingest Kevin Hillstrom's MineThatData e-mail experiment (2008) into the raw input contract.

The source is one row per customer of a randomised e-mail test: covariates `recency, history_segment,
history, mens, womens, zip_code, newbie, channel`, the arm `segment` (Mens E-Mail / Womens E-Mail /
No E-Mail) and the two-week outcomes `visit, conversion, spend`. There is no customer id, e-mail,
account or date, so each row, in file order, becomes:

- one `customers` record: customer_ref 'H00001', 'H00002', ... (row position, zero-padded to five
  digits), the contract columns the source lacks null, and the eight covariates as attribute columns
  recency (int64, months since last purchase), history_segment (string), history (double, dollars
  spent last year), mens, womens, newbie (int64, 0/1), zip_code and purchase_channel (string, the
  source's `channel`: renamed because `channel` is the treatment's delivery channel in the contract);
  values unchanged (the source spells 'Surburban');
- one `treatments` row of campaign 'hillstrom_email_2008': eligible true, treated unless the segment
  is 'No E-Mail', arm 'mens_email' / 'womens_email' / 'control', channel 'email' when treated (null
  otherwise), treated_at 2008-03-01 00:00. That date is nominal: the data set gives none, only "2008";
- one `outcomes` row: converted = conversion == 1, revenue = spend, churned null (not measured),
  outcome_at = treated_at + 14 days (the end of the two-week window, equally nominal), and the further
  outcome `visited` (boolean, visit == 1).

There are no transactions, accounts or activity, so those are zero-row files. Header names are matched
ignoring case and surrounding spaces; segment labels ignoring case, spaces and hyphens.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa

from earmark import contract
from earmark.ingest.files import read_source_csv, write_raw_dir

CAMPAIGN_ID = "hillstrom_email_2008"
# Nominal: the data set says only that the test ran in 2008 and measured two weeks of outcomes.
TREATED_AT = datetime(2008, 3, 1)
OUTCOME_WINDOW = timedelta(days=14)
CHANNEL = "email"
REF_PREFIX = "H"
REF_DIGITS = 5

# Attribute column of customers -> (source column, Arrow type).
ATTRIBUTES: dict[str, tuple[str, pa.DataType]] = {
    "recency": ("recency", pa.int64()),
    "history_segment": ("history_segment", pa.string()),
    "history": ("history", pa.float64()),
    "mens": ("mens", pa.int64()),
    "womens": ("womens", pa.int64()),
    "zip_code": ("zip_code", pa.string()),
    "newbie": ("newbie", pa.int64()),
    "purchase_channel": ("channel", pa.string()),
}
ARM_COLUMN = "segment"
VISIT_COLUMN, CONVERSION_COLUMN, SPEND_COLUMN = "visit", "conversion", "spend"
SOURCE_COLUMNS: tuple[str, ...] = (
    *(src for src, _ in ATTRIBUTES.values()),
    ARM_COLUMN,
    VISIT_COLUMN,
    CONVERSION_COLUMN,
    SPEND_COLUMN,
)

# Segment label, lower-cased with everything but letters removed -> (arm, treated).
ARMS: dict[str, tuple[str, bool]] = {
    "mensemail": ("mens_email", True),
    "womensemail": ("womens_email", True),
    "noemail": ("control", False),
}

# Extra outcome columns written after the contract columns of outcomes.
OUTCOME_EXTRAS: dict[str, pa.DataType] = {"visited": pa.bool_()}

EMPTY_ENTITIES = (contract.TRANSACTIONS, contract.ACCOUNTS, contract.ACTIVITY)


def customers_schema() -> pa.Schema:
    """The contract's customers schema followed by the Hillstrom covariate columns."""
    schema = contract.arrow_schema(contract.CUSTOMERS)
    for name, (_, arrow_type) in ATTRIBUTES.items():
        schema = schema.append(pa.field(name, arrow_type, nullable=True))
    return schema


def outcomes_schema() -> pa.Schema:
    """The contract's outcomes schema followed by the further outcome `visited`."""
    schema = contract.arrow_schema(contract.OUTCOMES)
    for name, arrow_type in OUTCOME_EXTRAS.items():
        schema = schema.append(pa.field(name, arrow_type, nullable=True))
    return schema


def _text(series: pd.Series) -> pd.Series:
    """Stripped text as Python objects; empty cells are None."""
    stripped = series.astype(object).str.strip()
    return stripped.where(stripped != "", None)


def _numbers(path: Path, source: str, series: pd.Series, integer: bool) -> pd.Series:
    """Parsed numbers (NaN for empty cells); ValueError naming file and column for anything else."""
    text = _text(series)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & numbers.isna()
    if integer:
        bad |= numbers.notna() & (numbers != numbers.round())
    if bad.any():
        kind = "whole numbers" if integer else "numbers"
        raise ValueError(
            f"{path}: column '{source}': {int(bad.sum())} values are not {kind}, e.g. {text[bad].iloc[0]!r}"
        )
    return numbers


def _array(path: Path, source: str, series: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_string(arrow_type):
        return pa.array(_text(series).tolist(), type=arrow_type)
    integer = pa.types.is_integer(arrow_type)
    numbers = _numbers(path, source, series, integer)
    values = [None if pd.isna(v) else (int(v) if integer else float(v)) for v in numbers]
    return pa.array(values, type=arrow_type)


def _flag(path: Path, source: str, series: pd.Series) -> pa.Array:
    """A 0/1 column as booleans (null for empty cells); any other value is a ValueError."""
    numbers = _numbers(path, source, series, integer=True)
    bad = numbers.notna() & ~numbers.isin([0, 1])
    if bad.any():
        raise ValueError(
            f"{path}: column '{source}': {int(bad.sum())} values are not 0 or 1, "
            f"e.g. {_text(series)[bad].iloc[0]!r}"
        )
    return pa.array([None if pd.isna(v) else bool(v) for v in numbers], type=pa.bool_())


def _arms(path: Path, source: str, series: pd.Series) -> tuple[list[str], list[bool]]:
    text = _text(series)
    keys = [None if v is None else re.sub(r"[^a-z]", "", v.lower()) for v in text]
    unknown = [
        (line, v) for line, (k, v) in enumerate(zip(keys, text, strict=True), start=2) if k not in ARMS
    ]
    if unknown:
        line, value = unknown[0]
        raise ValueError(
            f"{path}: column '{source}': {len(unknown)} values are not a known arm (Mens E-Mail, Womens "
            f"E-Mail, No E-Mail), e.g. {value!r} on line {line}"
        )
    arms = [ARMS[k][0] for k in keys]
    treated = [ARMS[k][1] for k in keys]
    return arms, treated


def ingest_hillstrom(path: Path, out_dir: Path) -> dict[str, int]:
    """Write the raw contract files for hillstrom.csv into `out_dir`; return rows per file.

    Raises FileNotFoundError when the file is absent and ValueError naming the file and column when a
    source column is missing, a segment is not one of the three arms, a 0/1 column holds anything else,
    or a number does not parse.
    """
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    source, columns = read_source_csv(path, SOURCE_COLUMNS)

    n = len(source)
    refs = [f"{REF_PREFIX}{i:0{REF_DIGITS}d}" for i in range(1, n + 1)]
    ref_array = pa.array(refs, type=pa.string())

    schema = customers_schema()
    arrays: list[pa.Array] = [ref_array]
    for field in list(schema)[1 : len(contract.CUSTOMERS.columns)]:
        arrays.append(pa.nulls(n, type=field.type))
    for src, arrow_type in ATTRIBUTES.values():
        arrays.append(_array(path, src, source[columns[src]], arrow_type))
    customers = pa.Table.from_arrays(arrays, schema=schema)

    arms, treated = _arms(path, ARM_COLUMN, source[columns[ARM_COLUMN]])
    campaign = pa.array([CAMPAIGN_ID] * n, type=pa.string())
    treatments = pa.Table.from_arrays(
        [
            campaign,
            ref_array,
            pa.array([True] * n, type=pa.bool_()),
            pa.array(treated, type=pa.bool_()),
            pa.array(arms, type=pa.string()),
            pa.array([CHANNEL if t else None for t in treated], type=pa.string()),
            pa.array([TREATED_AT] * n, type=pa.timestamp("us")),
        ],
        schema=contract.arrow_schema(contract.TREATMENTS),
    )

    outcomes = pa.Table.from_arrays(
        [
            campaign,
            ref_array,
            _flag(path, CONVERSION_COLUMN, source[columns[CONVERSION_COLUMN]]),
            _array(path, SPEND_COLUMN, source[columns[SPEND_COLUMN]], pa.float64()),
            pa.nulls(n, type=pa.bool_()),
            pa.array([TREATED_AT + OUTCOME_WINDOW] * n, type=pa.timestamp("us")),
            _flag(path, VISIT_COLUMN, source[columns[VISIT_COLUMN]]),
        ],
        schema=outcomes_schema(),
    )

    tables = {contract.CUSTOMERS: customers, contract.TREATMENTS: treatments, contract.OUTCOMES: outcomes}
    return write_raw_dir(out_dir, tables, EMPTY_ENTITIES)
