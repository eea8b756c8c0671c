"""The demo world: a seeded simulator of a B2B company, its accounts, users, order book and past campaigns.

`simulate_world` writes the raw input contract (customers, accounts, transactions, activity, treatments,
outcomes) plus the audit-only truth files and a `manifest.json`. Every person has a hidden archetype that
drives their activity, purchases and reaction to each campaign: an automated nudge assigned with a bias
towards already unhappy users, and an earlier customer-success call campaign whose account managers chose
large and declining accounts (its rows append after the nudge's, from a random stream of their own).
Defects are injected at stated rates and then counted on the final tables with the same first-match rules
the pipeline applies, so the manifest can be recovered exactly.

Everything is vectorised with numpy and drawn from `numpy.random.default_rng` streams derived from the
seed, so the same seed and scale give identical files. The rules are described in `docs/demo_world.md`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from earmark import contract
from earmark.simulate.activity import _activity_chunks, _activity_table, _classify_activity
from earmark.simulate.archetypes import ARCHETYPES
from earmark.simulate.calendar import CALL_AT, CALL_CAMPAIGN_ID, CAMPAIGN_ID, TREATED_AT
from earmark.simulate.campaigns import _build_call_campaign, _build_campaign
from earmark.simulate.common import _timestamps, _write
from earmark.simulate.defects import ACTIVITY_RULES, TRANSACTION_RULES
from earmark.simulate.people import (
    COUNTRIES,
    INDUSTRIES,
    JOB_LEVELS,
    PLANS,
    SIZE_BANDS,
    _account_ids,
    _build_people,
    _customer_records,
    _person_ids,
)
from earmark.simulate.transactions import _build_transactions, _classify_transactions, _transaction_batches
from earmark.simulate.truth import _manifest


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
    countries = pa.array(COUNTRIES)

    # accounts
    accounts_schema = contract.arrow_schema(contract.ACCOUNTS).append(pa.field("industry", pa.string()))
    row_counts["accounts"] = _write(
        pa.Table.from_arrays(
            [
                _account_ids(np.arange(p.n_accounts)),
                pa.array(PLANS).take(pa.array(p.acc_plan.astype(np.int64))),
                pa.array(p.acc_seats, type=pa.int64()),
                pa.array(p.acc_value, type=pa.float64()),
                _timestamps(p.acc_created),
                pa.array(INDUSTRIES).take(pa.array(p.acc_industry.astype(np.int64))),
            ],
            schema=accounts_schema,
        ),
        out_dir / contract.ACCOUNTS.file_name,
    )

    # customers and truth_identity
    rec = _customer_records(p)
    person = rec["person"]
    customer_ref = p.ref_strings.take(pa.array(rec["ref"]))
    email = pa.array(rec["email"], type=pa.string())
    customers_schema = (
        contract.arrow_schema(contract.CUSTOMERS)
        .append(pa.field("job_level", pa.string()))
        .append(pa.field("company_size_band", pa.string()))
    )
    row_counts["customers"] = _write(
        pa.Table.from_arrays(
            [
                customer_ref,
                email,
                _account_ids(p.acct[person]),
                pa.array(np.where(p.admin[person], "admin", "user")),
                _timestamps(rec["signup"]),
                countries.take(pa.array(p.country[person].astype(np.int64))),
                pa.array(p.premium[person]),
                pa.array(JOB_LEVELS).take(pa.array(p.job[person].astype(np.int64))),
                pa.array(SIZE_BANDS).take(pa.array(p.acc_band[p.acct[person]].astype(np.int64))),
            ],
            schema=customers_schema,
        ),
        out_dir / contract.CUSTOMERS.file_name,
    )
    row_counts["truth_identity"] = _write(
        pa.Table.from_arrays(
            [customer_ref, email, _person_ids(person)], schema=contract.arrow_schema(contract.TRUTH_IDENTITY)
        ),
        out_dir / contract.TRUTH_IDENTITY.file_name,
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

    # campaigns: treatments, outcomes, truth_users, truth_effects. The nudge's rows come first; the call
    # campaign's rows are appended after them.
    c = _build_campaign(p, seed, early, recent, last)
    call = _build_call_campaign(p, seed, call_early, call_recent, enabled=call_campaign)
    refs = p.ref_strings.take(pa.array(p.ref[c.person]))
    call_refs = p.ref_strings.take(pa.array(p.ref[call.person]))
    m, k = len(c.person), len(call.person)
    campaign = pa.array([CAMPAIGN_ID] * m + [CALL_CAMPAIGN_ID] * k, type=pa.string())
    all_refs = pa.concat_arrays([refs, call_refs])
    treated = np.concatenate([c.treated, call.treated])
    channel = np.concatenate([np.where(c.email_channel, "email", "in_app"), np.full(k, "call")])
    arm = np.concatenate(
        [np.where(c.treated, "nudge", "control"), np.where(call.treated, "human_outreach", "control")]
    )
    row_counts["treatments"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                all_refs,
                pa.array(np.concatenate([c.eligible, np.ones(k, dtype=bool)])),
                pa.array(treated),
                pa.array(arm),
                pa.array(channel, type=pa.string(), mask=~treated),
                _timestamps(np.concatenate([np.full(m, TREATED_AT), np.full(k, CALL_AT)])),
            ],
            schema=contract.arrow_schema(contract.TREATMENTS),
        ),
        out_dir / contract.TREATMENTS.file_name,
    )
    row_counts["outcomes"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                all_refs,
                pa.array(np.concatenate([c.converted, call.converted])),
                pa.array(np.concatenate([c.revenue, call.revenue]), type=pa.float64()),
                # the churn label belongs to the end of the activity window: not measured for the call
                pa.array(np.concatenate([c.churned, np.zeros(k, dtype=bool)]), mask=np.arange(m + k) >= m),
                _timestamps(np.concatenate([c.outcome_at, call.outcome_at])),
            ],
            schema=contract.arrow_schema(contract.OUTCOMES),
        ),
        out_dir / contract.OUTCOMES.file_name,
    )
    persons = np.concatenate([c.person, call.person])
    effect_p_control = np.concatenate([c.p_control[c.person], call.p_control])
    effect_p_treated = np.concatenate([c.p_treated[c.person], call.p_treated])
    row_counts["truth_effects"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                _person_ids(persons),
                _account_ids(p.acct[persons]),
                pa.array(ARCHETYPES).take(pa.array(p.arch[persons].astype(np.int64))),
                pa.array(np.concatenate([np.where(c.eligible, c.propensity, 0.0), call.propensity])),
                pa.array(effect_p_control),
                pa.array(effect_p_treated),
                pa.array(effect_p_treated - effect_p_control),
                pa.array(np.concatenate([c.y_control[c.person], call.y_control])),
                pa.array(np.concatenate([c.y_treated[c.person], call.y_treated])),
            ],
            schema=contract.arrow_schema(contract.TRUTH_EFFECTS),
        ),
        out_dir / contract.TRUTH_EFFECTS.file_name,
    )
    everyone = np.arange(p.n)
    row_counts["truth_users"] = _write(
        pa.Table.from_arrays(
            [
                _person_ids(everyone),
                _account_ids(p.acct),
                pa.array(ARCHETYPES).take(pa.array(p.arch.astype(np.int64))),
                pa.array(c.p_control),
                pa.array(c.p_treated),
                pa.array(c.p_treated - c.p_control),
                pa.array(c.y_control),
                pa.array(c.y_treated),
            ],
            schema=contract.arrow_schema(contract.TRUTH_USERS),
        ),
        out_dir / contract.TRUTH_USERS.file_name,
    )

    # defects, recounted on the final tables
    defects = [
        {"file": "transactions", "defect": rule, "row_count": int(tx_status[i])}
        for i, rule in enumerate(TRANSACTION_RULES)
    ]
    defects += [
        {"file": "activity", "defect": rule, "row_count": int(activity_status[i])}
        for i, rule in enumerate(ACTIVITY_RULES)
    ]
    defects += [
        {"file": "customers", "defect": "duplicate_person", "row_count": int((p.dup_ref >= 0).sum())},
        {"file": "customers", "defect": "reused_ref", "row_count": int((p.first_owner_of >= 0).sum())},
    ]
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
