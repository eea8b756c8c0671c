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


# Lines read and written at a time: the split holds a block, never a whole file, in memory (a file of
# tens of millions of lines would otherwise take gigabytes in the process that splits it).
BATCH_ROWS = 1_000_000


def _dates(batch: pa.RecordBatch, column: str) -> pa.Array:
    return pc.cast(batch.column(batch.schema.get_field_index(column)), pa.date32())


def _last_day(source: pq.ParquetFile, column: str) -> pa.Scalar:
    """The latest date of `column`, read block by block from that column alone."""
    last = None
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=[column]):
        latest = pc.max(_dates(batch, column))
        if latest.is_valid and (last is None or latest.as_py() > last.as_py()):
            last = latest
    if last is None:
        raise ValueError(f"{column}: no dated rows, so there is no last day to split off")
    return last


def _split_file(path: Path, column: str, before: Path, after: Path) -> tuple[str, int, int]:
    """Write `before` (the lines not of the last day) and `after` (those, then the last day's lines), in
    file order, block by block; returns the last day and the two line counts."""
    source = pq.ParquetFile(path)
    last = _last_day(source, column)
    schema = source.schema_arrow
    day_blocks, rows_before = [], 0
    with pq.ParquetWriter(before, schema) as earlier_out, pq.ParquetWriter(after, schema) as after_out:
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            on_day = pc.fill_null(pc.equal(_dates(batch, column), last), False)
            earlier = batch.filter(pc.invert(on_day))
            earlier_out.write_batch(earlier)
            after_out.write_batch(earlier)
            rows_before += earlier.num_rows
            day_blocks.append(batch.filter(on_day))  # a day is a small share of the file
        for block in day_blocks:
            after_out.write_batch(block)
    return str(last.as_py()), rows_before, sum(block.num_rows for block in day_blocks)


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
        last_day[name], rows_before[name], rows_appended[name] = _split_file(
            path, DAY_COLUMNS[name], before / path.name, after / path.name
        )
    missing = sorted(set(DAY_COLUMNS) - set(last_day))
    if missing:
        raise FileNotFoundError(f"{raw}: no {', '.join(m + '.parquet' for m in missing)} to split")
    return DaySplit(last_day, rows_before, rows_appended)
