"""The closed loop: the readback's interval (earmark.readback) on synthetic data with a known lift, the
follow-up simulator (earmark.simulate.followup), and the whole loop on a small demo world: build, export
the decisions, simulate the follow-up from them and the truth, rebuild with readback_campaign_id, and
check the readback against the follow-up's true lift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import query, run_dbt

from earmark.readback import OVERALL, clustered_lift, decisions_as_uplift_scores, readback_lift
from earmark.simulate import simulate_world
from earmark.simulate.followup import followup_campaigns, simulate_followup

pytestmark = pytest.mark.unit

SEED = 7
SCALE = 0.1


def _synthetic(seed: int, lift: float, accounts: int = 400, holdout: float = 0.1) -> pd.DataFrame:
    """Customers in accounts of 1-30 with an account-level baseline (so customers of an account are
    correlated), a seeded account holdout, and a constant true lift."""
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 31, accounts)
    base = rng.uniform(0.05, 0.5, accounts)
    account = np.repeat(np.arange(accounts), size)
    targeted = np.repeat(rng.random(accounts) >= holdout, size)
    p = base[account] + np.where(targeted, lift, 0.0)
    return pd.DataFrame(
        {
            "customer_ref": [f"U{i:06d}" for i in range(len(account))],
            "account_id": [f"A{a:04d}" for a in account],
            "channel": np.where(account % 5 == 0, "human", "automated"),
            "is_targeted": targeted,
            "is_converted": rng.random(len(account)) < p,
            "predicted_uplift": np.full(len(account), lift),
            "true_uplift": np.full(len(account), lift),
        }
    )


def test_interval_covers_a_known_lift_about_95_percent_of_the_time() -> None:
    lift = 0.06
    covered = []
    for seed in range(200):
        customers = _synthetic(seed, lift)
        row = clustered_lift(customers["is_converted"], customers["account_id"], customers["is_targeted"])
        covered.append(row["lift_lower"] <= lift <= row["lift_upper"])
    # 200 draws at 95%: a binomial count below 180 or 199+ would be a miscalibrated interval
    assert 0.90 <= np.mean(covered) <= 0.99, np.mean(covered)


def test_clustering_widens_the_interval_when_customers_of_an_account_move_together() -> None:
    customers = _synthetic(1, 0.06)
    clustered = clustered_lift(customers["is_converted"], customers["account_id"], customers["is_targeted"])
    each_customer = clustered_lift(
        customers["is_converted"], customers["customer_ref"], customers["is_targeted"]
    )
    assert clustered["lift_std_error"] > 1.2 * each_customer["lift_std_error"]


def test_readback_rows_per_channel_and_overall_do_not_depend_on_row_order() -> None:
    customers = _synthetic(3, 0.05)
    result = readback_lift(customers)
    shuffled = readback_lift(customers.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(result, shuffled)
    assert list(result["channel"]) == ["automated", "human", OVERALL]
    overall = result.set_index("channel").loc[OVERALL]
    assert overall["targeted_customers"] + overall["held_out_customers"] == len(customers)
    assert overall["targeted_accounts"] + overall["held_out_accounts"] == customers["account_id"].nunique()
    assert overall["estimated_lift"] == pytest.approx(0.05)


def test_readback_is_empty_and_typed_without_customers() -> None:
    empty = readback_lift(_synthetic(0, 0.0).iloc[:0])
    assert len(empty) == 0
    assert empty["realised_lift"].dtype == np.float64
    assert empty["targeted_customers"].dtype == np.int64


def test_readback_without_truth_leaves_the_true_lift_null() -> None:
    customers = _synthetic(2, 0.05).assign(true_uplift=None)
    assert readback_lift(customers)["true_lift"].isna().all()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate_world(out, seed=SEED, scale=SCALE / 2)
    return out


def _decisions(world: Path) -> pa.Table:
    """Decisions shaped like the policy_decisions mart, without a build: every account user, a tenth of
    the accounts held out, every seventh account called."""
    customers = pq.read_table(world / "customers.parquet").to_pandas()
    customers = customers.dropna(subset=["account_ref"]).drop_duplicates("customer_ref")
    account_number = customers["account_ref"].str[1:].astype(int)
    return pa.Table.from_pandas(
        pd.DataFrame(
            {
                "customer_id": customers["customer_ref"],
                "customer_ref": customers["customer_ref"],
                "account_id": customers["account_ref"],
                "action": np.where(account_number % 7 == 0, "human_outreach", "automated_nudge"),
                "is_holdout": account_number % 10 == 3,
                "predicted_uplift": 0.05,
            }
        ),
        preserve_index=False,
    )


def test_followup_is_deterministic_for_a_seed_with_one_row_per_decided_user(
    world: Path, tmp_path: Path
) -> None:
    decisions = _decisions(world)
    first = simulate_followup(world, decisions, tmp_path / "a", seed=3)
    again = simulate_followup(
        world, decisions.take(np.arange(decisions.num_rows)[::-1]), tmp_path / "b", seed=3
    )
    other = simulate_followup(world, decisions, tmp_path / "c", seed=4)
    assert first == {**again}
    for name in ("treatments", "outcomes", "truth_effects", "uplift_scores"):
        assert pq.read_table(tmp_path / "a" / f"{name}.parquet").equals(
            pq.read_table(tmp_path / "b" / f"{name}.parquet")
        ), name
    assert not pq.read_table(tmp_path / "a" / "outcomes.parquet").equals(
        pq.read_table(tmp_path / "c" / "outcomes.parquet")
    )
    assert first["true_lift"] == other["true_lift"]  # the truth does not depend on the draws

    rows = pq.read_table(tmp_path / "a" / "treatments.parquet").to_pandas()
    campaigns = followup_campaigns(first["cycle_id"])
    assert first["campaign_ids"] == sorted(campaigns.values())
    rows = rows[rows["campaign_id"].isin(first["campaign_ids"])]
    assert sum(first["users"].values()) == len(rows) > 0
    assert rows["customer_ref"].is_unique
    held = rows[~rows["treated"]]
    assert (held["arm"] == "control").all() and held["channel"].isna().all()
    for action, campaign in campaigns.items():
        part = rows[rows["campaign_id"] == campaign]
        assert part["treated"].sum() == first["users"][f"{action}:targeted"] > 0, action
        assert (~part["treated"]).sum() == first["users"][f"{action}:held_out"] > 0, action
        channel = "call" if action == "human_outreach" else "automated"
        assert set(part.loc[part["treated"], "channel"]) == {channel}
    world_rows = pq.read_metadata(world / "treatments.parquet").num_rows
    assert pq.read_metadata(tmp_path / "a" / "treatments.parquet").num_rows == world_rows + len(rows)
    assert (
        rows["treated_at"] > pq.read_table(world / "treatments.parquet")["treated_at"].to_pandas().max()
    ).all()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["row_counts"]["treatments"] == world_rows + len(rows)
    scores = pq.read_table(tmp_path / "a" / "uplift_scores.parquet").to_pandas()
    assert len(scores) == len(rows)
    assert (scores["campaign_id"] == scores["arm"].map(campaigns)).all()


def test_followup_refuses_a_campaign_already_in_the_input(world: Path, tmp_path: Path) -> None:
    simulate_followup(world, _decisions(world), tmp_path / "a", cycle_id="cycle_1")
    with pytest.raises(ValueError, match="cycle_1_call is already in treatments"):
        simulate_followup(tmp_path / "a", _decisions(world), tmp_path / "b", cycle_id="cycle_1")


def test_decisions_as_uplift_scores_carry_the_planned_action(world: Path) -> None:
    scores = decisions_as_uplift_scores(_decisions(world), "next", np.datetime64("2026-01-01"))
    assert set(scores["campaign_id"].to_pylist()) == {"next"}
    per_action = decisions_as_uplift_scores(
        _decisions(world), followup_campaigns("c"), np.datetime64("2026-01-01")
    )
    assert set(zip(per_action["arm"].to_pylist(), per_action["campaign_id"].to_pylist(), strict=True)) == {
        ("automated_nudge", "c_nudge"),
        ("human_outreach", "c_call"),
    }
    assert set(scores["arm"].to_pylist()) == {"human_outreach", "automated_nudge"}
    assert scores["customer_ref"].to_pylist() == sorted(scores["customer_ref"].to_pylist())


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """Build a small demo world, simulate the follow-up of its decisions, rebuild with the readback."""
    work = tmp_path_factory.mktemp("loop")
    raw = work / "raw"
    simulate_world(raw, seed=SEED, scale=SCALE)
    db = work / "before" / "earmark.duckdb"
    db.parent.mkdir()
    run_dbt(raw, db)
    followup = work / "followup"
    summary = simulate_followup(raw, pq.read_table(_export(db)), followup, seed=SEED)
    after = work / "after" / "earmark.duckdb"
    after.parent.mkdir()
    run_dbt(followup, after, extra_vars=f"readback_campaign_id: {json.dumps(summary['campaign_ids'])}")
    return db, after, summary


def _export(db: Path) -> Path:
    from earmark.cli import main

    out = db.parent / "decisions.parquet"
    assert main(["export-decisions", "--db", str(db), "--out", str(out)]) == 0
    return out


@pytest.mark.integration
def test_readback_interval_contains_the_true_lift_of_the_followup(loop: tuple[Path, Path, dict]) -> None:
    before, after, summary = loop
    assert query(before, "select count(*) from policy_readback") == [(0,)]  # no var: empty
    campaigns = summary["campaign_ids"]
    raw = after.parent.parent / "followup"
    # the true lift from the files alone: the follow-up's truth rows, one per user it lists
    truth = pq.read_table(raw / "truth_effects.parquet").to_pandas()
    true_lift = truth.loc[truth["campaign_id"].isin(campaigns), "true_uplift"].mean()
    assert true_lift == pytest.approx(summary["true_lift"])
    row = query(
        after,
        "select lift_lower, lift_upper, true_lift, targeted_customers, held_out_customers, estimated_lift "
        f"from policy_readback where channel = '{OVERALL}'",
    )[0]
    lower, upper, mart_true_lift, targeted, held_out, estimated = row
    assert lower <= true_lift <= upper, (lower, true_lift, upper)
    assert mart_true_lift == pytest.approx(true_lift, abs=1e-9)
    treatments = pq.read_table(raw / "treatments.parquet").to_pandas()
    rows = treatments[treatments["campaign_id"].isin(campaigns)]
    assert targeted == int(rows["treated"].sum())
    assert held_out == int((~rows["treated"]).sum())
    targeted_refs = set(rows.loc[rows["treated"], "customer_ref"])
    prior = query(before, "select customer_ref, predicted_uplift from policy_decisions where not is_holdout")
    assert estimated == pytest.approx(np.mean([p for ref, p in prior if ref in targeted_refs]))
    per_channel = query(
        after,
        "select channel, targeted_customers, held_out_customers from policy_readback where channel != 'all'",
    )
    for channel, n_targeted, n_held in per_channel:
        arm = "human_outreach" if channel == "human" else "automated_nudge"
        assert n_targeted == summary["users"][f"{arm}:targeted"]
        assert n_held == summary["users"][f"{arm}:held_out"]


def test_export_decisions_writes_the_mart_or_the_campaigns_uplift_scores(tmp_path: Path) -> None:
    import duckdb

    from earmark.cli import main

    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql(
            "create table main.policy_decisions as select * from (values "
            "('c2', 'U2', 'A1', 'human_outreach', 'human', false, 0.1), "
            "('c1', 'U1', 'A2', 'automated_nudge', 'automated', true, 0.05)) "
            "as t(customer_id, customer_ref, account_id, action, channel, is_holdout, predicted_uplift)"
        )
    assert main(["export-decisions", "--db", str(db), "--out", str(tmp_path / "d.parquet")]) == 0
    assert pq.read_table(tmp_path / "d.parquet")["customer_ref"].to_pylist() == ["U1", "U2"]
    args = ["--campaign-id", "n", "--call-campaign-id", "c", "--scored-at", "2026-01-01"]
    assert main(["export-decisions", "--db", str(db), "--out", str(tmp_path / "s.parquet"), *args]) == 0
    scores = pq.read_table(tmp_path / "s.parquet").to_pydict()
    assert list(zip(scores["customer_ref"], scores["campaign_id"], scores["arm"], strict=True)) == [
        ("U1", "n", "automated_nudge"),
        ("U2", "c", "human_outreach"),
    ]
