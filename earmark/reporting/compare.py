"""Are two warehouses the same? Every table of a schema, compared row for row with `except all` both ways.

A refactor or a speed-up that should not change any decision is checked by building the same input
before and after it and comparing the two warehouses (`earmark compare-warehouses BEFORE AFTER`).
`except all` keeps duplicates, so a row that appears twice on one side and once on the other counts as a
difference; the comparison does not depend on row order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from earmark.reporting.warehouse import WarehouseLocked, lock_message

# Tables that differ between two builds of the same input by design: the build log's timestamps.
BUILD_LOG_TABLES = ("run_status",)


@dataclass(frozen=True)
class TableComparison:
    """One table of the two warehouses: its rows on each side and the rows found on one side only."""

    table: str
    rows_before: int | None
    rows_after: int | None
    only_before: int = 0
    only_after: int = 0
    problem: str | None = None

    @property
    def identical(self) -> bool:
        return self.problem is None and self.only_before == 0 and self.only_after == 0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
        "order by table_name",
        [catalog, schema],
    ).fetchall()
    return [name for (name,) in rows]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()


def compare_warehouses(
    before: Path | str,
    after: Path | str,
    schema: str = "main",
    ignore: Iterable[str] = BUILD_LOG_TABLES,
) -> list[TableComparison]:
    """One comparison per table of `schema` in either warehouse (except `ignore`), in name order.

    Tables match by name; columns by name and type, in any order. A table on one side only, or with other
    columns, is a difference with its problem stated.
    """
    for path in (before, after):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such warehouse")
    con = duckdb.connect()
    try:
        for path, alias in ((before, "before_db"), (after, "after_db")):
            try:
                con.execute(f"attach {_literal(path)} as {alias} (read_only)")
            except duckdb.IOException as error:
                message = lock_message(path, error)
                if message is None:
                    raise
                raise WarehouseLocked(message) from error
        skipped = set(ignore)
        before_tables = set(_tables(con, "before_db", schema)) - skipped
        after_tables = set(_tables(con, "after_db", schema)) - skipped
        results = []
        for table in sorted(before_tables | after_tables):
            results.append(_compare_table(con, schema, table, table in before_tables, table in after_tables))
        return results
    finally:
        con.close()


def _literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _compare_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, in_before: bool, in_after: bool
) -> TableComparison:
    sides = {"before_db": in_before, "after_db": in_after}
    counts = {
        side: con.execute(f"select count(*) from {side}.{_quote(schema)}.{_quote(table)}").fetchall()[0][0]
        if present
        else None
        for side, present in sides.items()
    }
    if not (in_before and in_after):
        where = "before" if in_before else "after"
        return TableComparison(table, counts["before_db"], counts["after_db"], problem=f"only {where}")
    columns_before = _columns(con, "before_db", schema, table)
    columns_after = _columns(con, "after_db", schema, table)
    if sorted(columns_before) != sorted(columns_after):
        changed = sorted(set(columns_before) ^ set(columns_after))
        detail = ", ".join(f"{name} {data_type}" for name, data_type in changed)
        return TableComparison(
            table, counts["before_db"], counts["after_db"], problem=f"columns differ: {detail}"
        )
    # the same column order on both sides, whatever order each table stores them in
    select = ", ".join(_quote(name) for name, _ in columns_before)

    def one_side_only(left: str, right: str) -> int:
        return con.execute(
            f"select count(*) from (select {select} from {left}.{_quote(schema)}.{_quote(table)} "
            f"except all select {select} from {right}.{_quote(schema)}.{_quote(table)})"
        ).fetchall()[0][0]

    return TableComparison(
        table,
        counts["before_db"],
        counts["after_db"],
        only_before=one_side_only("before_db", "after_db"),
        only_after=one_side_only("after_db", "before_db"),
    )


def format_comparison(results: list[TableComparison]) -> str:
    """A plain-text table: one line per table, then how many differ."""
    width = max([len("table"), *(len(r.table) for r in results)])
    lines = [
        f"{'table':<{width}}  {'rows before':>11}  {'rows after':>10}  {'only before':>11}  "
        f"{'only after':>10}  result"
    ]
    for r in results:
        rows = [f"{n:,}" if n is not None else "-" for n in (r.rows_before, r.rows_after)]
        verdict = "identical" if r.identical else (r.problem or "differs")
        lines.append(
            f"{r.table:<{width}}  {rows[0]:>11}  {rows[1]:>10}  {r.only_before:>11,}  {r.only_after:>10,}  "
            f"{verdict}"
        )
    differing = sum(not r.identical for r in results)
    lines.append(f"{len(results)} tables compared, {differing} differ")
    return "\n".join(lines)
