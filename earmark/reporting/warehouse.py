"""Open the warehouse for reading, with a clear message when a build holds it or the last build failed.

DuckDB allows one writing process or many readers. While `dbt build` writes the warehouse, a reader
(`earmark summary`, `earmark results`, the report's source extraction) cannot open it; DuckDB's own
message is an IO error about a conflicting lock. Earmark's readers go through `connect_read_only`, which
turns that into a message that says what is happening and how to read anyway.

A failed build leaves the marts of an earlier build, some perhaps replaced. The run hooks record every
build in `main.run_status` (macros/run_status.sql); `last_build_problem` says when the latest one did not
succeed, and which input the last successful one read.
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


def last_build_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the marts may not be from the latest build (it failed, or never finished), naming its input and
    the last build that succeeded; None when it succeeded or the warehouse has no run_status table."""
    has_log = con.sql(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = 'run_status'"
    ).fetchall()[0][0]
    if not has_log:
        return None
    builds = con.sql(
        "select status, input_name, command, started_at, finished_at, failure_detail from main.run_status "
        "order by started_at desc, finished_at desc nulls first limit 1"
    ).fetchall()
    if not builds or builds[0][0] == "succeeded":
        return None
    status, input_name, command, started_at, _, detail = builds[0]
    what = f"The last dbt {command} (input '{input_name}', started {started_at:%Y-%m-%d %H:%M:%S} UTC)"
    if status == "failed":
        what += f" failed: {detail}."
    else:
        what += " did not finish (it was stopped, or is still running)."
    succeeded = con.sql(
        "select input_name, finished_at from main.run_status where status = 'succeeded' "
        "order by finished_at desc limit 1"
    ).fetchall()
    if succeeded:
        earlier = (
            f"the last build that succeeded read input '{succeeded[0][0]}' "
            f"(finished {succeeded[0][1]:%Y-%m-%d %H:%M:%S} UTC)"
        )
    else:
        earlier = "no build of this warehouse has succeeded"
    return (
        f"{what} The marts may be from an earlier build, or a mix where the failed one replaced some: "
        f"{earlier}. Fix the cause and build again."
    )
