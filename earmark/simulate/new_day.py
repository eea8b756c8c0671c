"""A raw directory as it was the day before, and as it is after that day's lines were appended.

`split_last_day(raw_dir, before_dir, after_dir)` writes two raw directories from one:
- `before`: every file as it is, except transactions and activity without the lines of their last day
  (the latest invoice date, the latest activity date); lines without a date stay, in file order;
- `after`: the same, with the last day's lines appended at the end of the two files, in file order.

The simulator's injected-defect counts (truth_defects.parquet, manifest.json) describe the whole input,
so they go to `after` only: `before` is a world without that audit (the file may be absent).

That is how an append-only feed grows, and what the incremental build is tested and benchmarked on:
`after` built on top of a warehouse built from `before` must equal `after` built from scratch. The
Parquet schemas are kept exactly (pyarrow, no type conversion).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Counts over the whole input: true of `after`, not of `before`.
WHOLE_INPUT_TRUTH = ("truth_defects.parquet", "manifest.json")
# The appended inputs and the date each one's day is read from.
DAY_COLUMNS: dict[str, str] = {"transactions": "invoiced_at", "activity": "activity_date"}


@dataclass(frozen=True)
class DaySplit:
    """What `split_last_day` wrote: per appended input, its last day and the lines before and on it."""

    last_day: dict[str, str]
    rows_before: dict[str, int]
    rows_appended: dict[str, int]


def _on_day(table: pa.Table, column: str) -> tuple[pa.Array, str]:
    days = pc.cast(table[column], pa.date32())
    last = pc.max(days)
    if not last.is_valid:
        raise ValueError(f"{column}: no dated rows, so there is no last day to split off")
    return pc.fill_null(pc.equal(days, last), False), str(last.as_py())


def split_last_day(raw_dir: str | Path, before_dir: str | Path, after_dir: str | Path) -> DaySplit:
    """Write `before_dir` and `after_dir` from `raw_dir` (see the module doc); returns the counts."""
    raw, before, after = Path(raw_dir), Path(before_dir), Path(after_dir)
    for out in (before, after):
        out.mkdir(parents=True, exist_ok=True)
    last_day, rows_before, rows_appended = {}, {}, {}
    for path in sorted(raw.iterdir()):
        name = path.name.removesuffix(".parquet")
        if path.suffix != ".parquet" or name not in DAY_COLUMNS:
            for out in (before, after):
                if out is after or path.name not in WHOLE_INPUT_TRUTH:
                    shutil.copy2(path, out / path.name)
            continue
        table = pq.read_table(path)
        on_day, last_day[name] = _on_day(table, DAY_COLUMNS[name])
        earlier, day = table.filter(pc.invert(on_day)), table.filter(on_day)
        pq.write_table(earlier, before / path.name)
        pq.write_table(pa.concat_tables([earlier, day]), after / path.name)
        rows_before[name], rows_appended[name] = earlier.num_rows, day.num_rows
    missing = sorted(set(DAY_COLUMNS) - set(last_day))
    if missing:
        raise FileNotFoundError(f"{raw}: no {', '.join(m + '.parquet' for m in missing)} to split")
    return DaySplit(last_day, rows_before, rows_appended)
