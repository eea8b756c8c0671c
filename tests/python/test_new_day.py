"""earmark.simulate.new_day: the split of a raw directory into the day before and the day after, read and
written block by block, gives exactly the whole-file split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from earmark.simulate import new_day

pytestmark = pytest.mark.unit


def _lines(n: int, column: str, last: dt.date) -> pa.Table:
    """n lines whose dates cycle over the last four days (every seventh undated), with an id column."""
    dates = [None if i % 7 == 3 else last - dt.timedelta(days=i % 4) for i in range(n)]
    stamps = [None if d is None else dt.datetime.combine(d, dt.time(12)) for d in dates]
    table = pa.table(
        {"line_id": pa.array(range(n), pa.int64()), column: pa.array(stamps, pa.timestamp("us"))}
    )
    return table.replace_schema_metadata({b"origin": b"test"})


def test_the_block_by_block_split_equals_the_whole_file_split(tmp_path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    last = dt.date(2025, 12, 31)
    tables = {"transactions": _lines(103, "invoiced_at", last), "activity": _lines(58, "activity_date", last)}
    for name, table in tables.items():
        pq.write_table(table, raw / f"{name}.parquet")
    pq.write_table(pa.table({"customer_id": ["a"]}), raw / "customers.parquet")
    (raw / "manifest.json").write_text("{}")
    monkeypatch.setattr(new_day, "BATCH_ROWS", 10)  # many blocks, the last one short

    split = new_day.split_last_day(raw, tmp_path / "before", tmp_path / "after")

    for name, column in new_day.DAY_COLUMNS.items():
        table = tables[name]
        on_day = pc.fill_null(
            pc.equal(pc.cast(table[column], pa.date32()), pa.scalar(last, pa.date32())), False
        )
        earlier, day = table.filter(pc.invert(on_day)), table.filter(on_day)
        before = pq.read_table(tmp_path / "before" / f"{name}.parquet")
        after = pq.read_table(tmp_path / "after" / f"{name}.parquet")
        assert before.equals(earlier) and before.schema.metadata == table.schema.metadata
        assert after.equals(pa.concat_tables([earlier, day]))
        assert split.last_day[name] == "2025-12-31"
        assert (split.rows_before[name], split.rows_appended[name]) == (earlier.num_rows, day.num_rows)
        assert 0 < day.num_rows < table.num_rows
    # the other inputs are copied; the whole-input audit goes to `after` only
    assert (tmp_path / "before" / "customers.parquet").exists()
    assert (
        not (tmp_path / "before" / "manifest.json").exists()
        and (tmp_path / "after" / "manifest.json").exists()
    )


def test_a_file_without_a_dated_line_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    undated = pa.table({"invoiced_at": pa.array([None, None], pa.timestamp("us"))})
    pq.write_table(undated, raw / "transactions.parquet")
    with pytest.raises(ValueError, match="invoiced_at: no dated rows"):
        new_day.split_last_day(raw, tmp_path / "before", tmp_path / "after")
