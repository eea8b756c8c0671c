"""A follow-up campaign that carries out the policy's own decisions, drawn from the world's truth.

`simulate_followup(world_dir, decisions, out_dir)` writes `out_dir` as a copy of the world with the
cycle's campaigns appended to treatments and outcomes, one per channel as the input's campaigns are
(`<id>_nudge`, arm nudge; `<id>_call`, arm human_outreach: the uplift models learn a campaign's arms
against its own controls): the users of the targeted accounts get the action the policy chose, the users
of the held-out accounts get nothing (arm control, in the campaign of the action planned for them), and
every user's outcome is drawn from the truth of what they got:
- a nudge: p_treated or p_control from truth_users (the nudge campaign's potential outcomes);
- a call: p_treated or p_control of the call campaign (the latest campaign with the human-outreach arm)
  from truth_effects; a user it did not list is taken to react to a call as to the nudge.
A held-out user is drawn from the p_control of the action planned for them, so the true lift of the
follow-up (the mean of p_treated - p_control of the planned action over its users) is in the appended
truth_effects rows. The decisions also go in as the campaign's uplift_scores rows (the policy's estimate,
arm = planned action): what policy_readback compares the realised lift with.

`decisions`: the rows of the policy_decisions mart (earmark export-decisions). The draws come from a
stream of their own (seed), in customer_ref order, so the output does not depend on the row order.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from earmark import contract
from earmark.readback import decisions_as_uplift_scores
from earmark.simulate.calendar import DAY, OUTCOME_WINDOW_DAYS, TX_END
from earmark.simulate.common import _S_FOLLOWUP, _rng, _timestamps, _write

NUDGE_ARM, CALL_ARM = "nudge", "human_outreach"
APPENDED = ("treatments", "outcomes", "truth_effects", "uplift_scores")


def _read(path: Path) -> pa.Table | None:
    return pq.read_table(path) if path.exists() else None


def _current_person(world: Path) -> dict[str, str]:
    """The true person behind each raw reference now: the record of the reference signed up last (a reused
    reference belongs to its latest owner)."""
    ident = pq.read_table(world / "truth_identity.parquet").to_pandas()
    customers = pq.read_table(world / "customers.parquet", columns=["customer_ref", "email", "signup_at"])
    records = ident.merge(customers.to_pandas(), on=["customer_ref", "email"], how="left")
    records = records.sort_values(["customer_ref", "signup_at", "true_person_id"], na_position="first")
    return records.groupby("customer_ref")["true_person_id"].last().to_dict()


def _call_truth(world: Path, treatments: pa.Table) -> dict[str, tuple[float, float]]:
    """(p_control, p_treated) per person in the latest campaign with the human-outreach arm."""
    calls = pc.unique(treatments.filter(pc.equal(treatments["arm"], CALL_ARM))["campaign_id"]).to_pylist()
    if not calls:
        return {}
    effects = pq.read_table(world / "truth_effects.parquet").to_pandas()
    effects = effects[effects["campaign_id"] == max(calls)]
    return {r.true_person_id: (r.p_control, r.p_treated) for r in effects.itertuples()}


def _start(treatments: pa.Table, outcomes: pa.Table) -> np.int64:
    """When the follow-up starts, in seconds: after the order book ends (the as-of date the decisions were
    made on) and after the latest campaign date or outcome in the input."""
    latest = max(pc.max(treatments["treated_at"]).value, pc.max(outcomes["outcome_at"]).value or 0)
    seconds = latest // 1_000_000
    return np.int64(max(TX_END, (seconds // DAY + 1) * DAY))


def followup_campaigns(cycle_id: str) -> dict[str, str]:
    """The campaign of each action of a cycle: its nudges and its calls, each a campaign of its own."""
    return {"automated_nudge": f"{cycle_id}_nudge", "human_outreach": f"{cycle_id}_call"}


def simulate_followup(
    world_dir: str | Path,
    decisions: pa.Table,
    out_dir: str | Path,
    cycle_id: str | None = None,
    seed: int = 42,
) -> dict:
    """Write the world plus the cycle's campaigns to `out_dir` (see the module doc); returns a summary:
    the cycle and its campaigns (those with rows), users per action and group, and the true lift."""
    world, out = Path(world_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    treatments = pq.read_table(world / "treatments.parquet")
    outcomes = pq.read_table(world / "outcomes.parquet")
    start = _start(treatments, outcomes)
    when = np.datetime64(int(start), "s")
    cycle_id = cycle_id or f"followup_{str(when)[:7].replace('-', '_')}"
    campaign_of = followup_campaigns(cycle_id)
    clash = sorted(set(campaign_of.values()) & set(treatments["campaign_id"].to_pylist()))
    if clash:
        raise ValueError(f"{world}: campaign {clash[0]} is already in treatments")

    person_of = _current_person(world)
    d = decisions.to_pandas()
    d = d[d["action"].isin(list(campaign_of))].copy()
    d["true_person_id"] = d["customer_ref"].map(person_of)
    # one row per person: a person reached through two references is contacted once
    d = d.dropna(subset=["true_person_id"]).sort_values("customer_ref", kind="stable")
    d = d.drop_duplicates("true_person_id").reset_index(drop=True)
    truth = pq.read_table(world / "truth_users.parquet").to_pandas().set_index("true_person_id")
    d = d[d["true_person_id"].isin(truth.index)].reset_index(drop=True)
    people = truth.loc[d["true_person_id"]]
    call = _call_truth(world, treatments)
    is_call = (d["action"] == "human_outreach").to_numpy()
    nudge_pc, nudge_pt = people["p_control"].to_numpy(), people["p_treated"].to_numpy()
    call_p = np.array([call.get(p, (np.nan, np.nan)) for p in d["true_person_id"]]).reshape(-1, 2)
    use_call = is_call & ~np.isnan(call_p[:, 0])
    p_control = np.where(use_call, call_p[:, 0], nudge_pc)
    p_treated = np.where(use_call, call_p[:, 1], nudge_pt)

    rng = _rng(seed, _S_FOLLOWUP)
    n = len(d)
    u = rng.random(n)  # one draw per user couples the two potential outcomes
    y_control, y_treated = u < p_control, u < p_treated
    treated = ~d["is_holdout"].astype(bool).to_numpy()
    converted = np.where(treated, y_treated, y_control)
    window = OUTCOME_WINDOW_DAYS * DAY
    outcome_at = np.where(
        converted, start + np.floor(rng.random(n) * window).astype(np.int64), start + window
    )
    campaign = d["action"].map(campaign_of).to_numpy(dtype=object)
    # rows by campaign, then reference (the draws above are in reference order)
    order = np.lexsort((d["customer_ref"].to_numpy(dtype=object), campaign))
    d, people, campaign = d.iloc[order].reset_index(drop=True), people.iloc[order], campaign[order]
    is_call, treated, converted, outcome_at = (
        is_call[order],
        treated[order],
        converted[order],
        outcome_at[order],
    )
    p_control, p_treated = p_control[order], p_treated[order]
    y_control, y_treated = y_control[order], y_treated[order]
    refs = pa.array(d["customer_ref"], type=pa.string())
    ids = pa.array(campaign, type=pa.string())
    arm = np.where(treated, np.where(is_call, CALL_ARM, NUDGE_ARM), "control")
    channel = pa.array(np.where(is_call, "call", "automated"), type=pa.string(), mask=~treated)
    none = np.ones(n, bool)
    share_treated = {c: treated[campaign == c].mean() for c in set(campaign)}

    new = {
        "treatments": pa.Table.from_arrays(
            [
                ids,
                refs,
                pa.array(none),
                pa.array(treated),
                pa.array(arm),
                channel,
                _timestamps(np.full(n, start)),
            ],
            schema=contract.arrow_schema(contract.TREATMENTS),
        ),
        "outcomes": pa.Table.from_arrays(
            # revenue and churn are not measured for the follow-up
            [
                ids,
                refs,
                pa.array(converted),
                pa.array(np.zeros(n), mask=none),
                pa.array(~none, mask=none),
                _timestamps(outcome_at),
            ],
            schema=contract.arrow_schema(contract.OUTCOMES),
        ),
        "truth_effects": pa.Table.from_arrays(
            [
                ids,
                pa.array(d["true_person_id"], type=pa.string()),
                pa.array(people["account_ref"].to_numpy(), type=pa.string()),
                pa.array(people["archetype"].to_numpy(), type=pa.string()),
                # the true propensity: the campaign's share of users treated (the holdout draws accounts)
                pa.array([share_treated[c] for c in campaign], type=pa.float64()),
                pa.array(p_control),
                pa.array(p_treated),
                pa.array(p_treated - p_control),
                pa.array(y_control),
                pa.array(y_treated),
            ],
            schema=contract.arrow_schema(contract.TRUTH_EFFECTS),
        ),
        "uplift_scores": decisions_as_uplift_scores(
            pa.Table.from_pandas(d[["customer_ref", "action", "predicted_uplift"]], preserve_index=False),
            campaign_of,
            when,
        ),
    }

    counts = {}
    for path in sorted(world.iterdir()):
        name = path.name.removesuffix(".parquet")
        if name in APPENDED and path.suffix == ".parquet":
            continue
        if path.name != "manifest.json":
            shutil.copy2(path, out / path.name)
    for name, table in new.items():
        old = _read(world / f"{name}.parquet")
        table = table.cast(old.schema) if old is not None else table
        counts[name] = _write(
            pa.concat_tables([old, table]) if old is not None else table, out / f"{name}.parquet"
        )

    summary = {
        "cycle_id": cycle_id,
        "campaign_ids": sorted(set(campaign)),
        "seed": seed,
        "treated_at": str(when),
        "users": {
            f"{action}:{'held_out' if held else 'targeted'}": int(
                ((d["action"] == action) & (~treated if held else treated)).sum()
            )
            for action in campaign_of
            for held in (False, True)
        },
        "true_lift": float(np.mean(p_treated - p_control)) if n else None,
    }
    manifest_path = world / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        manifest.setdefault("row_counts", {}).update(counts)
        manifest.setdefault("followups", []).append(summary)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return summary
