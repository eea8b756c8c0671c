"""`earmark compare-warehouses`: the check that a refactor changed no mart. Two small warehouses that
differ in known ways, and the differences it must find: a changed row, a duplicate, a table on one side
only, a column's type; identical tables (in another column order) and the build log are not differences."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from earmark.cli import main
from earmark.reporting.compare import compare_warehouses

pytestmark = pytest.mark.unit


def _warehouse(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    before = _warehouse(
        tmp_path / "before.duckdb",
        [
            "create table same as select * from (values (1, 'a', 0.5), (2, 'b', 1.5)) t(id, label, x)",
            "create table changed as select * from (values (1, 10), (2, 20), (3, 30)) t(id, value)",
            "create table duplicated as select * from (values (1), (2)) t(id)",
            "create table retyped as select 1::integer as id",
            "create table dropped as select 1 as id",
            "create table run_status as select now() as started_at",
        ],
    )
    after = _warehouse(
        tmp_path / "after.duckdb",
        [
            # the same rows, other row and column order
            "create table same as select * from (values (0.5, 'a', 1), (1.5, 'b', 2)) t(x, label, id) "
            "order by id desc",
            "create table changed as select * from (values (1, 10), (2, 21), (3, 30)) t(id, value)",
            "create table duplicated as select * from (values (1), (2), (2)) t(id)",
            "create table retyped as select 1::bigint as id",
            "create table added as select 1 as id",
            "create table run_status as select now() + interval 1 hour as started_at",
        ],
    )
    return before, after


def test_finds_each_kind_of_difference_and_nothing_else(pair: tuple[Path, Path]) -> None:
    results = {r.table: r for r in compare_warehouses(*pair)}
    assert sorted(results) == ["added", "changed", "dropped", "duplicated", "retyped", "same"]
    assert results["same"].identical
    assert (results["same"].rows_before, results["same"].rows_after) == (2, 2)
    changed = results["changed"]
    assert (changed.only_before, changed.only_after, changed.identical) == (1, 1, False)
    duplicated = results["duplicated"]
    assert (duplicated.rows_before, duplicated.rows_after) == (2, 3)
    assert (duplicated.only_before, duplicated.only_after) == (0, 1)
    assert results["retyped"].problem == "columns differ: id BIGINT, id INTEGER"
    assert (results["dropped"].problem, results["dropped"].rows_after) == ("only before", None)
    assert (results["added"].problem, results["added"].rows_before) == ("only after", None)


def test_command_exits_one_on_a_difference_and_zero_on_a_copy(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = pair
    assert main(["compare-warehouses", str(before), str(after)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "6 tables compared, 5 differ"
    assert main(["compare-warehouses", str(before), str(before)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "5 tables compared, 0 differ"
    # the build log differs between any two builds; asked for, it is compared like any table
    assert main(["compare-warehouses", str(before), str(after), "--ignore", "dropped", "added"]) == 1
    out = capsys.readouterr().out
    assert "dropped" not in out and "run_status" in out and "5 tables compared, 4 differ" in out


def test_missing_warehouse_is_named(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.duckdb: no such warehouse"):
        compare_warehouses(pair[0], tmp_path / "nowhere.duckdb")
