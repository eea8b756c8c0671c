"""The decisions of a built warehouse, to export before the cycle runs: the policy_decisions mart."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from earmark.reporting.warehouse import connect_read_only, last_build_problem


def export_decisions(db: str | Path) -> pa.Table:
    """The policy_decisions mart, ordered by customer_ref: the users to act on (and to hold out) this
    cycle, with the planned action and the policy's estimate per user. Refuses a warehouse whose last
    build did not succeed, as the report does."""
    with connect_read_only(db) as con:
        problem = last_build_problem(con)
        if problem:
            raise ValueError(f"{db}: {problem}")
        return con.sql("select * from main.policy_decisions order by customer_ref").to_arrow_table()
