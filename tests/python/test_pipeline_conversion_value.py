"""Value in the policy: a conversion worth a constant, or per customer (LTV-weighted uplift), on a small
demo world. The same warehouse is rebuilt from int_customer_conversion_value on with
conversion_value_source = conversion_revenue, and both policies are judged on one yardstick: the
simulator's true uplift times the true mean revenue of a conversion on the account's plan."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import query, run_dbt

from earmark.simulate import simulate_world
from earmark.simulate.campaigns import CONVERSION_VALUE
from earmark.simulate.people import PLANS

pytestmark = pytest.mark.integration

# a small world by default; EARMARK_VALUE_TEST_SEED=42 EARMARK_VALUE_TEST_SCALE=1 measures the demo world
SEED = int(os.environ.get("EARMARK_VALUE_TEST_SEED", "7"))
SCALE = float(os.environ.get("EARMARK_VALUE_TEST_SCALE", "0.1"))
PRIOR_WEIGHT = 10  # the default of var conversion_value_prior_weight


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("conversion_value")
    raw = work / "raw"
    simulate_world(raw, seed=SEED, scale=SCALE)
    constant = work / "constant" / "earmark.duckdb"
    constant.parent.mkdir()
    run_dbt(raw, constant)
    weighted = work / "weighted" / "earmark.duckdb"
    weighted.parent.mkdir()
    shutil.copy(constant, weighted)
    run_dbt(
        raw,
        weighted,
        "build",
        "--select",
        "int_customer_conversion_value+",
        "int_run_parameters+",
        extra_vars="conversion_value_source: conversion_revenue",
    )
    return raw, constant, weighted


def _frame(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


def test_constant_values_every_conversion_alike(builds: tuple[Path, Path, Path]) -> None:
    _, constant, _ = builds
    rows = query(
        constant,
        "select count(*), min(conversion_value), max(conversion_value), min(conversion_value_basis), "
        "max(conversion_value_basis) from intermediate.int_customer_conversion_value",
    )
    customers = query(constant, "select count(*) from customers")[0][0]
    assert rows == [(customers, 50.0, 50.0, "constant", "constant")]


def test_account_revenue_values_are_the_shrunk_account_means(builds: tuple[Path, Path, Path]) -> None:
    _, _, weighted = builds
    conversions = _frame(
        weighted,
        "select fold_group, revenue from intermediate.int_campaign_training_set where is_converted "
        "and revenue > 0",
    )
    overall = conversions["revenue"].mean()
    per_account = conversions[~conversions["fold_group"].str.startswith("solo:")].groupby("fold_group")[
        "revenue"
    ]
    expected = (per_account.sum() + PRIOR_WEIGHT * overall) / (per_account.count() + PRIOR_WEIGHT)
    values = _frame(
        weighted,
        "select v.customer_id, f.account_ref, v.conversion_value "
        "from intermediate.int_customer_conversion_value v "
        "join intermediate.int_customer_features f using (customer_id)",
    )
    wanted = values["account_ref"].map(expected).fillna(overall)
    assert len(values) > 0 and values["conversion_value"].nunique() > 10
    np.testing.assert_allclose(values["conversion_value"], wanted, rtol=1e-9)


def test_account_value_is_the_audience_uplift_times_each_users_value(builds: tuple[Path, Path, Path]) -> None:
    _, _, weighted = builds
    users = _frame(
        weighted,
        "select u.account_id, u.predicted_uplift, u.is_in_nudge_audience, v.conversion_value "
        "from intermediate.int_customer_policy_uplift u "
        "join intermediate.int_customer_conversion_value v using (customer_id)",
    )
    audience = users[users["is_in_nudge_audience"]]
    valued = audience["predicted_uplift"] * audience["conversion_value"]
    expected = valued.groupby(audience["account_id"]).sum()
    actions = _frame(weighted, "select account_id, expected_value from account_actions")
    actions = actions.set_index("account_id")
    got = actions["expected_value"].reindex(expected.index)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # and the constant would have valued them all alike: the weighting moves the ranking
    constant_ranking = audience["predicted_uplift"].groupby(audience["account_id"]).sum().rank()
    assert constant_ranking.corr(expected.rank()) < 0.999


def _true_revenue_reach(raw: Path, db: Path) -> pd.DataFrame:
    """Every policy's reached users with their net value on the yardstick of the world: true uplift (of a
    nudge, or of a call for the accounts called) x the true mean revenue of a conversion on the account's
    plan, less a nudge's cost; over the accounts of accounts.parquet. A call's cost is per account."""
    accounts = pd.read_parquet(raw / "accounts.parquet")
    plan_value = dict(zip(PLANS, CONVERSION_VALUE, strict=True))
    true_value = dict(zip(accounts["account_ref"], accounts["plan"].map(plan_value), strict=True))
    reach = _frame(
        db,
        "select r.policy, r.channel, r.account_id, e.true_uplift, e.true_call_uplift "
        "from intermediate.int_policy_reach r "
        "join intermediate.int_customer_policy_exposure e using (customer_id)",
    )
    # customers resolved without an account (whose plan the input does not say) are left out of every policy
    reach["value"] = reach["account_id"].map(true_value)
    reach = reach[reach["value"].notna()]
    called = reach["channel"] == "human"
    reach["uplift"] = np.where(called, reach["true_call_uplift"].fillna(0.0), reach["true_uplift"])
    costs = query(db, "select cost_per_automated_customer, cost_per_human_account from (" + _COSTS + ")")[0]
    reach["net"] = reach["uplift"] * reach["value"] - np.where(called, 0.0, costs[0])
    reach["call_cost"] = costs[1]
    return reach


def _true_revenue_net(raw: Path, db: Path) -> dict[str, float]:
    """Each policy's net value on the world's revenue yardstick (_true_revenue_reach)."""
    reach = _true_revenue_reach(raw, db)
    totals = {}
    for policy, rows in reach.groupby("policy"):
        calls = rows.loc[rows["channel"] == "human", "account_id"].nunique()
        totals[policy] = float(rows["net"].sum() - calls * rows["call_cost"].iloc[0])
    return totals


def _earmark_against_everyone(raw: Path, db: Path) -> pd.DataFrame:
    """Where Earmark's policy gains or loses against contacting everyone, by the gate that decided each
    account: the accounts, what a nudge to all their users was truly worth, and what Earmark's action was."""
    reach = _true_revenue_reach(raw, db)
    blind = reach[reach["policy"] == "blind"].groupby("account_id")["net"].sum()
    earmark = reach[reach["policy"] == "earmark"]
    called = earmark.loc[earmark["channel"] == "human", "account_id"].unique()
    acted = earmark.groupby("account_id")["net"].sum()
    acted.loc[called] -= earmark["call_cost"].iloc[0]
    gates = _frame(db, "select account_id, deciding_gate from account_actions").set_index("account_id")
    gates = gates[gates.index.isin(blind.index)]
    gates["everyone"] = blind
    gates["earmark"] = acted.reindex(gates.index).fillna(0.0)
    return gates.groupby("deciding_gate").agg(
        accounts=("everyone", "size"), everyone=("everyone", "sum"), earmark=("earmark", "sum")
    )


_COSTS = (
    "select max(case when parameter_name = 'cost_per_automated_customer' "
    "then cast(parameter_value as double) end) as cost_per_automated_customer, "
    "max(case when parameter_name = 'cost_per_human_account' "
    "then cast(parameter_value as double) end) as cost_per_human_account from run_parameters"
)


def test_ltv_weighted_policy_on_the_true_revenue_yardstick(builds: tuple[Path, Path, Path]) -> None:
    raw, constant, weighted = builds
    by_constant = _true_revenue_net(raw, constant)
    by_value = _true_revenue_net(raw, weighted)
    print(f"true revenue net value, constant: {by_constant}")
    print(f"true revenue net value, conversion_revenue: {by_value}")
    by_gate = _earmark_against_everyone(raw, weighted)
    print(f"conversion_revenue against contacting everyone, by deciding gate:\n{by_gate.round(0)}")
    levels = query(
        weighted,
        "select avg(predicted_uplift), avg(true_uplift) from intermediate.int_customer_policy_exposure",
    )[0]
    print(f"mean predicted nudge uplift {levels[0]:.4f}, true {levels[1]:.4f}")
    # the breakdown adds up to the two policies' totals over the same accounts
    assert by_gate["earmark"].sum() == pytest.approx(by_value["earmark"])
    assert by_gate["everyone"].sum() == pytest.approx(by_value["blind"])
    # the LTV-weighted policy beats the baselines that target the same number of accounts without a model
    assert by_value["earmark"] > by_value["random"]
    assert by_value["earmark"] > by_value["top_propensity"]
    assert by_value["earmark"] < by_value["oracle"]


def test_an_unknown_value_source_is_refused(builds: tuple[Path, Path, Path], tmp_path: Path) -> None:
    raw, constant, _ = builds
    copy = tmp_path / "earmark.duckdb"
    shutil.copy(constant, copy)
    done = run_dbt(
        raw,
        copy,
        "compile",
        "--select",
        "int_customer_conversion_value",
        check=False,
        extra_vars="conversion_value_source: lifetime",
    )
    assert done.returncode != 0
    assert "conversion_value_source must be 'constant', 'conversion_revenue' or 'clv', not 'lifetime'" in (
        done.stdout + done.stderr
    )
