"""A follow-up campaign that carries out the policy's own decisions, drawn from the world's truth.

`simulate_followup(world_dir, decisions, out_dir)` writes `out_dir` as a copy of the world with one more
campaign appended to treatments and outcomes: the users of the targeted accounts get the action the
policy chose (a nudge, or a call for human outreach), the users of the held-out accounts get nothing, and
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
from earmark.simulate.common import _rng, _timestamps, _write

_S_FOLLOWUP = 5  # spawn key of the follow-up's random stream (common.py lists the world's)
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


def simulate_followup(
    world_dir: str | Path,
    decisions: pa.Table,
    out_dir: str | Path,
    campaign_id: str | None = None,
    seed: int = 42,
) -> dict:
    """Write the world plus the follow-up campaign to `out_dir` (see the module doc); returns a summary:
    campaign_id, rows per action and group, and the true lift of the follow-up."""
    world, out = Path(world_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    treatments = pq.read_table(world / "treatments.parquet")
    outcomes = pq.read_table(world / "outcomes.parquet")
    start = _start(treatments, outcomes)
    when = np.datetime64(int(start), "s")
    campaign_id = campaign_id or f"followup_{str(when)[:7].replace('-', '_')}"
    if campaign_id in set(treatments["campaign_id"].to_pylist()):
        raise ValueError(f"{world}: campaign {campaign_id} is already in treatments")

    person_of = _current_person(world)
    d = decisions.to_pandas()
    d = d[d["action"].isin(["human_outreach", "automated_nudge"])].copy()
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
    refs = pa.array(d["customer_ref"], type=pa.string())
    ids = pa.array([campaign_id] * n, type=pa.string())
    arm = np.where(treated, np.where(is_call, CALL_ARM, NUDGE_ARM), "control")
    channel = pa.array(np.where(is_call, "call", "automated"), type=pa.string(), mask=~treated)

    new = {
        "treatments": pa.Table.from_arrays(
            [
                ids,
                refs,
                pa.array(np.ones(n, bool)),
                pa.array(treated),
                pa.array(arm),
                channel,
                _timestamps(np.full(n, start)),
            ],
            schema=contract.arrow_schema(contract.TREATMENTS),
        ),
        "outcomes": pa.Table.from_arrays(
            [
                ids,
                refs,
                pa.array(converted),
                pa.array(np.full(n, np.nan), mask=np.ones(n, bool)),
                pa.array(np.zeros(n, bool), mask=np.ones(n, bool)),
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
                pa.array(np.full(n, treated.mean())),
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
            campaign_id,
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
        "campaign_id": campaign_id,
        "seed": seed,
        "treated_at": str(when),
        "users": {
            f"{action}:{'held_out' if held else 'targeted'}": int(
                ((d["action"] == action) & (~treated if held else treated)).sum()
            )
            for action in ("human_outreach", "automated_nudge")
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
