"""`simulate_world`: builds the parts of the demo world in order and writes its files.

The order follows what each part reads: people first (every other part reads them), activity before the
campaigns (which assign on its active-day counts), the defect counts and the manifest last (they report on
all of it). Each part draws from a random stream of its own, so the order moves no row. The tables are built
in the parts' modules; only the writing, and the statistics passed from one part to the next, are here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from earmark import contract
from earmark.simulate.activity import _activity_chunks, _activity_table, _classify_activity
from earmark.simulate.campaigns import _build_call_campaign, _build_campaign, _campaign_tables
from earmark.simulate.common import _write
from earmark.simulate.defects import ACTIVITY_RULES, TRANSACTION_RULES
from earmark.simulate.people import _accounts_table, _build_people, _customer_records, _customers_table
from earmark.simulate.transactions import _build_transactions, _classify_transactions, _transaction_batches
from earmark.simulate.truth import (
    _defect_rows,
    _manifest,
    _truth_effects_table,
    _truth_identity_table,
    _truth_users_table,
)


def simulate_world(out_dir: Path, seed: int = 42, scale: float = 1.0, *, call_campaign: bool = True) -> dict:
    """Write the demo world (raw contract files, truth files, manifest.json) into `out_dir`.

    Returns the manifest: seed, scale, row counts per file, defect counts (recounted on the final tables
    with the pipeline's first-match rules) and the generative parameters. `call_campaign=False` leaves out
    the customer-success call campaign's rows, which otherwise only append to treatments and outcomes
    (a check that every other row stays the same).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    p = _build_people(seed, scale)
    row_counts: dict[str, int] = {}

    # accounts, customers and truth_identity
    row_counts["accounts"] = _write(_accounts_table(p), out_dir / contract.ACCOUNTS.file_name)
    rec = _customer_records(p)
    row_counts["customers"] = _write(_customers_table(p, rec), out_dir / contract.CUSTOMERS.file_name)
    row_counts["truth_identity"] = _write(
        _truth_identity_table(p, rec), out_dir / contract.TRUTH_IDENTITY.file_name
    )

    # activity, streamed by blocks of persons
    early = np.zeros(p.n, dtype=np.int64)
    recent = np.zeros(p.n, dtype=np.int64)
    last = np.zeros(p.n, dtype=np.int64)
    call_early = np.zeros(p.n, dtype=np.int64)
    call_recent = np.zeros(p.n, dtype=np.int64)
    activity_status = np.zeros(len(ACTIVITY_RULES) + 1, dtype=np.int64)
    schema = contract.arrow_schema(contract.ACTIVITY)
    with pq.ParquetWriter(out_dir / contract.ACTIVITY.file_name, schema, compression="zstd") as writer:
        for chunk in _activity_chunks(p, seed):
            early[chunk.persons] = chunk.early
            recent[chunk.persons] = chunk.recent
            last[chunk.persons] = chunk.last
            call_early[chunk.persons] = chunk.call_early
            call_recent[chunk.persons] = chunk.call_recent
            status = _classify_activity(chunk, p.n_refs)
            activity_status += np.bincount(status, minlength=len(activity_status))
            writer.write_table(_activity_table(p, chunk))
    row_counts["activity"] = int(activity_status.sum())

    # transactions
    lines = _build_transactions(p, seed)
    tx_status = np.bincount(_classify_transactions(lines, p.n_refs), minlength=len(TRANSACTION_RULES) + 1)
    schema = contract.arrow_schema(contract.TRANSACTIONS)
    with pq.ParquetWriter(out_dir / contract.TRANSACTIONS.file_name, schema, compression="zstd") as writer:
        for batch in _transaction_batches(p, lines):
            writer.write_table(batch)
    row_counts["transactions"] = len(lines.code)
    del lines

    # campaigns: treatments, outcomes, truth_effects, truth_users. The nudge's rows come first; the call
    # campaign's rows are appended after them.
    c = _build_campaign(p, seed, early, recent, last)
    call = _build_call_campaign(p, seed, call_early, call_recent, enabled=call_campaign)
    treatments, outcomes = _campaign_tables(p, c, call)
    row_counts["treatments"] = _write(treatments, out_dir / contract.TREATMENTS.file_name)
    row_counts["outcomes"] = _write(outcomes, out_dir / contract.OUTCOMES.file_name)
    row_counts["truth_effects"] = _write(
        _truth_effects_table(p, c, call), out_dir / contract.TRUTH_EFFECTS.file_name
    )
    row_counts["truth_users"] = _write(_truth_users_table(p, c), out_dir / contract.TRUTH_USERS.file_name)

    # defects, recounted on the final tables
    defects = _defect_rows(p, tx_status, activity_status)
    row_counts["truth_defects"] = _write(
        pa.Table.from_pylist(defects, schema=contract.arrow_schema(contract.TRUTH_DEFECTS)),
        out_dir / contract.TRUTH_DEFECTS.file_name,
    )

    status_counts = {
        "transactions": dict(zip([*TRANSACTION_RULES, "kept"], tx_status.tolist(), strict=True)),
        "activity": dict(zip([*ACTIVITY_RULES, "kept"], activity_status.tolist(), strict=True)),
    }
    ordered = {e.name: row_counts[e.name] for e in contract.ENTITIES if e.name in row_counts}
    manifest = _manifest(seed, scale, p, c, call, ordered, defects, status_counts)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
