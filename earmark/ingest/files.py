"""What every ingest adapter does the same way: read a source CSV by its column names, and write the raw
directory, with a zero-row file for each entity the source lacks (so the pipeline's inputs all exist)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from earmark import contract


def read_source_csv(path: Path, wanted: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The CSV as text columns, and each wanted column's actual name (matched without case or padding).

    Every value stays text, so that each adapter converts and names its own bad values. ValueError names
    the file and the first wanted column it lacks, with the columns it has.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    by_key = {str(c).strip().lower(): c for c in frame.columns}
    columns: dict[str, str] = {}
    for name in wanted:
        found = by_key.get(name.lower())
        if found is None:
            raise ValueError(f"{path}: missing column '{name}' (found: {', '.join(map(str, frame.columns))})")
        columns[name] = found
    return frame, columns


def write_raw_dir(
    out_dir: Path,
    tables: dict[contract.Entity, pa.Table | None],
    empty_entities: tuple[contract.Entity, ...],
) -> dict[str, int]:
    """Write each table as its entity's file and a zero-row file for each empty entity; rows per entity.

    A table given as None is an optional entity the source lacks this time: its file is removed, so a
    stale one from an earlier ingest is not read.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for entity, table in tables.items():
        if table is None:
            (out_dir / entity.file_name).unlink(missing_ok=True)
            continue
        pq.write_table(table, out_dir / entity.file_name)
        counts[entity.name] = table.num_rows
    for entity in empty_entities:
        pq.write_table(contract.empty_table(entity), out_dir / entity.file_name)
        counts[entity.name] = 0
    return counts
