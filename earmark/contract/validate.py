"""Check a raw directory against the input contract (`earmark.contract`).

`validate_dir` reads every contract file with DuckDB and reports each failed check as a
`ContractViolation(file, column, rule, detail)`; an empty list means the directory satisfies the
contract. Each file costs one metadata read (its columns and types) and one aggregate scan that counts
rows, nulls in non-nullable columns and unparseable text values together; a second, filtered query runs
only when a text column has unparseable values, to fetch a few examples.

The rules, their meaning and an example message each are in `RULES` (the examples are built by the
same functions as the real messages); `earmark.contract.docs` renders them into docs/input_contract.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from earmark.contract.duckdb_paths import UNSUPPORTED_PATH_CHARACTERS, path_literal, unsupported_characters
from earmark.contract.spec import ENTITIES, LOGICAL_TYPES, TEXT_CASTS, Column, ContractViolation, Entity

FILE_LEVEL = "*"
MAX_EXAMPLES = 3

# --- messages (shared by the checks and the documented examples) ---------------------------------------


def _directory_missing(exists: bool) -> str:
    return "not a directory" if exists else "no such directory"


def _file_missing(entity: Entity) -> str:
    if entity.required:
        return f"required entity '{entity.name}' is absent"
    return (
        f"optional entity '{entity.name}' is absent; a source without it writes a zero-row file "
        f"(contract.empty_table)"
    )


def _unreadable(reason: str) -> str:
    return f"not a readable Parquet file: {reason}"


def _column_missing(column: Column, near: str | None = None) -> str:
    detail = f"column of logical type {column.type} is absent"
    if near is not None:
        detail += f" (found '{near}': names are case-sensitive)"
    return detail


def _wrong_type(column: Column, duck_type: str) -> str:
    accepted = ", ".join(LOGICAL_TYPES[column.type][1])
    if column.type in TEXT_CASTS:
        accepted += ", or VARCHAR whose values all cast"
    return f"DuckDB type {duck_type} is not accepted for logical type {column.type} (accepted: {accepted})"


def _unparseable(column: Column, bad: int, non_null: int, examples: Sequence[object]) -> str:
    shown = ", ".join(repr(v) for v in examples)
    return (
        f"{bad:,} of {non_null:,} non-null values do not cast to {TEXT_CASTS[column.type][1]}, e.g. {shown}"
    )


def _unreadable_column(reason: str) -> str:
    return f"the column's data cannot be read (a corrupt data page?): {reason}"


def _empty_required(entity: Entity) -> str:
    return f"required entity '{entity.name}' has zero rows"


def _null_not_allowed(nulls: int, rows: int) -> str:
    return f"{nulls:,} of {rows:,} rows are null"


def _unsupported_path(character: str, reason: str) -> str:
    return f"the raw directory contains '{character}' ({reason}); rename or move the directory"


def _unsupported_column_name() -> str:
    return (
        "an extra column's name must not contain '\"' (dbt writes column names into SQL as quoted "
        "identifiers without escaping it); rename it in the input"
    )


def _unexpected(entity: Entity, duck_type: str) -> str:
    return (
        f"column (DuckDB type {duck_type}) is not in the contract for '{entity.name}', which takes no "
        f"extra columns"
    )


@dataclass(frozen=True)
class Rule:
    """One validation rule: its name (the `rule` of a violation), what it checks, and an example."""

    name: str
    meaning: str
    example: ContractViolation


def _example_entity(name: str) -> Entity:
    return next(e for e in ENTITIES if e.name == name)


_TX = _example_entity("transactions")
_CU = _example_entity("customers")

RULES: tuple[Rule, ...] = (
    Rule(
        "directory_missing",
        "The raw directory does not exist or is not a directory.",
        ContractViolation(".", FILE_LEVEL, "directory_missing", _directory_missing(False)),
    ),
    Rule(
        "unsupported_path",
        "The raw directory's path holds a character DuckDB cannot read a file path with (a backslash, "
        "which its glob reads as a separator). Quotes, brackets, '*' and '?' are read literally.",
        ContractViolation(
            ".", FILE_LEVEL, "unsupported_path", _unsupported_path("\\", UNSUPPORTED_PATH_CHARACTERS["\\"])
        ),
    ),
    Rule(
        "file_missing",
        "A required or optional entity's file is absent. Optional entities a source lacks must still be "
        "present, as zero-row files with the contract columns; audit-only files may be absent.",
        ContractViolation(
            "activity.parquet", FILE_LEVEL, "file_missing", _file_missing(_example_entity("activity"))
        ),
    ),
    Rule(
        "unreadable_file",
        "The file exists but DuckDB cannot read it as Parquet.",
        ContractViolation(
            "customers.parquet",
            FILE_LEVEL,
            "unreadable_file",
            _unreadable("Invalid Input Error: File 'raw/customers.parquet' too small to be a Parquet file"),
        ),
    ),
    Rule(
        "unreadable_column",
        "The file opens, but the values of a column it must read (every contract column and every kept "
        "extra column is decoded in full) cannot be read, for example a corrupt data page.",
        ContractViolation(
            "transactions.parquet",
            "description",
            "unreadable_column",
            _unreadable_column("Invalid Input Error: don't know what type"),
        ),
    ),
    Rule(
        "column_missing",
        "A contract column is absent (names match exactly, case included).",
        ContractViolation(
            "transactions.parquet", "unit_price", "column_missing", _column_missing(_TX.column("unit_price"))
        ),
    ),
    Rule(
        "wrong_type",
        "The column's DuckDB type is not one accepted for its logical type (see the type table). A "
        "VARCHAR column is accepted for integer, double, boolean, timestamp and date columns when every "
        "non-null value casts (otherwise `unparseable_value`).",
        ContractViolation(
            "transactions.parquet", "quantity", "wrong_type", _wrong_type(_TX.column("quantity"), "BOOLEAN")
        ),
    ),
    Rule(
        "unparseable_value",
        "A VARCHAR column standing for an integer, double, boolean, timestamp or date column holds "
        "non-null values that DuckDB `try_cast` cannot cast (integers must also be whole numbers); the "
        "detail gives their count and up to three distinct examples in file order.",
        ContractViolation(
            "transactions.parquet",
            "invoiced_at",
            "unparseable_value",
            _unparseable(_TX.column("invoiced_at"), 1, 4, ["not a date"]),
        ),
    ),
    Rule(
        "empty_required_file",
        "A required entity's file has zero rows.",
        ContractViolation("customers.parquet", FILE_LEVEL, "empty_required_file", _empty_required(_CU)),
    ),
    Rule(
        "null_not_allowed",
        "A non-nullable column holds nulls; the detail gives their count.",
        ContractViolation(
            "customers.parquet", "customer_ref", "null_not_allowed", _null_not_allowed(2, 1000)
        ),
    ),
    Rule(
        "unsupported_column_name",
        "An extra (attribute) column whose name contains a double quote; other characters, single quotes "
        "included, are kept.",
        ContractViolation(
            "customers.parquet", 'say "hi"', "unsupported_column_name", _unsupported_column_name()
        ),
    ),
    Rule(
        "unexpected_column",
        "A column outside the contract, on an entity that does not keep extra columns as attributes.",
        ContractViolation(
            "transactions.parquet", "discount", "unexpected_column", _unexpected(_TX, "DOUBLE")
        ),
    ),
)
RULE_NAMES: frozenset[str] = frozenset(r.name for r in RULES)


# --- checks ---------------------------------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _base_type(duckdb_type: str) -> str:
    """'DECIMAL(18,3)' -> 'DECIMAL'; other names unchanged (upper-cased)."""
    return duckdb_type.split("(", 1)[0].strip().upper()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _bad_text(column: Column) -> str:
    """SQL predicate: the column's value is non-null and does not cast to its logical type."""
    q = _quote_ident(column.name)
    ok = TEXT_CASTS[column.type][0].format(c=q)
    return f"{q} IS NOT NULL AND NOT coalesce(({ok}), false)"


def _examples(con: duckdb.DuckDBPyConnection, path: Path, column: Column) -> list[object]:
    """The first few distinct unparseable values of a text column, in file order."""
    q = _quote_ident(column.name)
    rows = con.sql(
        f"SELECT {q}, min(file_row_number) AS first_row "
        f"FROM read_parquet({path_literal(path)}, file_row_number = true) "
        f"WHERE {_bad_text(column)} GROUP BY {q} ORDER BY first_row LIMIT {MAX_EXAMPLES}"
    ).fetchall()
    return [value for value, _ in rows]


def _check_file(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path) -> list[ContractViolation]:
    fname = entity.file_name
    source = f"read_parquet({path_literal(path)})"
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:
        return [ContractViolation(fname, FILE_LEVEL, "unreadable_file", _unreadable(_first_line(exc)))]
    found: dict[str, str] = {row[0]: row[1] for row in described}
    found_lower = {name.lower(): name for name in found}

    # Findings per contract column, so they are reported in contract order.
    per_column: dict[str, list[ContractViolation]] = {c.name: [] for c in entity.columns}
    present: list[Column] = []
    text_checks: list[Column] = []  # VARCHAR columns standing for a non-string logical type
    for column in entity.columns:
        if column.name not in found:
            near = found_lower.get(column.name.lower())
            per_column[column.name].append(
                ContractViolation(fname, column.name, "column_missing", _column_missing(column, near))
            )
            continue
        present.append(column)
        duck_type = found[column.name]
        base = _base_type(duck_type)
        if base in LOGICAL_TYPES[column.type][1]:
            continue
        if base == "VARCHAR" and column.type in TEXT_CASTS:
            text_checks.append(column)
            continue
        per_column[column.name].append(
            ContractViolation(fname, column.name, "wrong_type", _wrong_type(column, duck_type))
        )

    # One scan: row count, nulls of present non-nullable columns, unparseable values of text columns,
    # and a hash of every column the build reads (contract columns and kept extra columns), so that each
    # of their data pages is decoded: count(*) and count(column) can be answered without reading values.
    non_nullable = [c for c in present if not c.nullable]
    contract_names = {c.name for c in entity.columns}
    read_columns = [c.name for c in present] + (
        [name for name in found if name not in contract_names] if entity.allows_extra_columns else []
    )
    selects = ["count(*)"]
    selects += [f"count(*) - count({_quote_ident(c.name)})" for c in non_nullable]
    for column in text_checks:
        selects.append(f"count({_quote_ident(column.name)})")
        selects.append(f"count(*) FILTER (WHERE {_bad_text(column)})")
    selects += [f"bit_xor(hash({_quote_ident(name)}))" for name in read_columns]
    try:
        counts = list(con.sql(f"SELECT {', '.join(selects)} FROM {source}").fetchall()[0])
    except duckdb.Error as exc:
        unreadable = _unreadable_columns(con, source, read_columns)
        if unreadable:
            return [
                ContractViolation(fname, name, "unreadable_column", _unreadable_column(reason))
                for name, reason in unreadable
            ]
        return [ContractViolation(fname, FILE_LEVEL, "unreadable_file", _unreadable(_first_line(exc)))]
    rows = counts.pop(0)
    for column in non_nullable:
        nulls = counts.pop(0)
        if nulls:
            per_column[column.name].append(
                ContractViolation(fname, column.name, "null_not_allowed", _null_not_allowed(nulls, rows))
            )
    for column in text_checks:
        non_null, bad = counts.pop(0), counts.pop(0)
        if bad:
            per_column[column.name].append(
                ContractViolation(
                    fname,
                    column.name,
                    "unparseable_value",
                    _unparseable(column, bad, non_null, _examples(con, path, column)),
                )
            )

    violations: list[ContractViolation] = []
    if entity.required and rows == 0:
        violations.append(
            ContractViolation(fname, FILE_LEVEL, "empty_required_file", _empty_required(entity))
        )
    for column in entity.columns:
        violations.extend(per_column[column.name])
    extra = [(name, duck_type) for name, duck_type in found.items() if name not in contract_names]
    if not entity.allows_extra_columns:
        violations.extend(
            ContractViolation(fname, name, "unexpected_column", _unexpected(entity, duck_type))
            for name, duck_type in extra
        )
    else:
        violations.extend(
            ContractViolation(fname, name, "unsupported_column_name", _unsupported_column_name())
            for name, _ in extra
            if '"' in name
        )
    return violations


def _unreadable_columns(
    con: duckdb.DuckDBPyConnection, source: str, names: Sequence[str]
) -> list[tuple[str, str]]:
    """The columns whose values cannot be decoded, each with the reader's first error line."""
    found = []
    for name in names:
        try:
            con.sql(f"SELECT bit_xor(hash({_quote_ident(name)})) FROM {source}").fetchall()
        except duckdb.Error as exc:
            found.append((name, _first_line(exc)))
    return found


def validate_dir(path: Path) -> list[ContractViolation]:
    """Check the raw directory `path` against the contract; an empty list means it satisfies it.

    Violations come in contract entity order; within a file, file-level findings first, then contract
    columns in contract order, then unexpected columns in file order. A missing directory gives a single
    violation with file '.', as does each character of the path DuckDB cannot read (`unsupported_path`).
    Files not named in the contract are ignored.
    """
    path = Path(path)
    if not path.is_dir():
        return [ContractViolation(".", FILE_LEVEL, "directory_missing", _directory_missing(path.exists()))]
    unsupported = unsupported_characters(path)
    if unsupported:
        return [
            ContractViolation(".", FILE_LEVEL, "unsupported_path", _unsupported_path(character, reason))
            for character, reason in unsupported.items()
        ]
    violations: list[ContractViolation] = []
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        for entity in ENTITIES:
            file_path = path / entity.file_name
            if not file_path.exists():
                if not entity.may_be_absent:
                    violations.append(
                        ContractViolation(entity.file_name, FILE_LEVEL, "file_missing", _file_missing(entity))
                    )
                continue
            if not file_path.is_file():
                violations.append(
                    ContractViolation(
                        entity.file_name, FILE_LEVEL, "unreadable_file", _unreadable("not a regular file")
                    )
                )
                continue
            violations.extend(_check_file(con, entity, file_path))
    finally:
        con.close()
    return violations


def format_violations(violations: Iterable[ContractViolation], directory: Path | str) -> str:
    """One line per violation, `<dir>/<file>: column '<col>': <rule>: <detail>` (as `earmark validate`)."""
    return "\n".join(
        f"{Path(directory) / v.file}: column '{v.column}': {v.rule}: {v.detail}" for v in violations
    )
