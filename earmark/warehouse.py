"""Open the warehouse for reading, with a clear message when a build holds it.

DuckDB allows one writing process or many readers. While `dbt build` writes the warehouse, a reader
(`earmark summary`, `earmark results`, the report's source extraction) cannot open it; DuckDB's own
message is an IO error about a conflicting lock. Earmark's readers go through `connect_read_only`, which
turns that into a message that says what is happening and how to read anyway.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

LOCK_ADVICE = (
    "DuckDB allows one writer or many readers. Wait for the build to finish (then `make report` or "
    "`earmark summary`), or read a copy taken before the build started: `cp {db} /tmp/earmark_copy.duckdb`."
)


class WarehouseLocked(RuntimeError):
    """The warehouse is held by a writing process (usually a running `dbt build`)."""


class WarehouseMissing(FileNotFoundError):
    """No warehouse file at the path."""


def lock_message(db: Path | str, error: BaseException) -> str | None:
    """The clear message for a DuckDB lock conflict on db, or None when error is not one."""
    text = str(error)
    if "lock" not in text.lower():
        return None
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    by = f" by {holder.group(1)} (PID {holder.group(2)})" if holder else ""
    return (
        f"{db}: the warehouse is being written{by}, most likely by a running `dbt build`. "
        + LOCK_ADVICE.format(db=db)
    )


def connect_read_only(db: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to db; WarehouseMissing or WarehouseLocked with a readable message."""
    path = Path(db)
    if not path.is_file():
        raise WarehouseMissing(f"{db}: no warehouse yet; run `make build`")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        message = lock_message(db, error)
        if message is None:
            raise
        raise WarehouseLocked(message) from error
