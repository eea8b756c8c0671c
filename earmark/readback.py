"""The readback of a cycle: the realised lift of the customers the policy targeted over the customers
of the accounts it held out, with an account-clustered interval, beside what the policy expected.

The estimand, per channel and overall: the mean effect of the policy's planned action on the customers
it plans it for, over the accounts that passed the flag gates. The holdout is a seeded random draw among
those accounts and a held-out account keeps the action it would have got (mart policy_decisions), so the
targeted and held-out customers of a channel are random parts of one population, and the difference of
their conversion rates estimates that effect without a model.

The interval is a normal-theory one on the difference of two means with a cluster-robust (CR1) variance
per group, the account being the cluster: the holdout draws accounts, not customers, and customers of an
account share it. The quantile is Student's t with (fewer accounts of the two groups - 1) degrees of
freedom, which widens it when the holdout has few accounts. Used by the dbt model int_policy_readback_lift.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from earmark import contract

LEVEL = 0.95
OVERALL = "all"

READBACK_COLUMNS: dict[str, str] = {
    "channel": "object",
    "targeted_customers": "int64",
    "targeted_accounts": "int64",
    "held_out_customers": "int64",
    "held_out_accounts": "int64",
    "targeted_conversion_rate": "float64",
    "held_out_conversion_rate": "float64",
    "realised_lift": "float64",
    "lift_std_error": "float64",
    "lift_lower": "float64",
    "lift_upper": "float64",
    "estimated_lift": "float64",
    "true_lift": "float64",
}


def _clustered_mean(converted: np.ndarray, accounts: np.ndarray) -> tuple[float, float, int]:
    """Mean of a 0/1 outcome, its CR1 cluster-robust variance with accounts as clusters, and the number of
    accounts (variance nan with fewer than two)."""
    n = len(converted)
    mean = float(converted.mean())
    _, cluster = np.unique(accounts, return_inverse=True)
    g = int(cluster.max()) + 1
    if g < 2:
        return mean, float("nan"), g
    scores = np.bincount(cluster, weights=converted - mean, minlength=g)
    return mean, float(g / (g - 1) * np.sum(scores**2) / n**2), g


def clustered_lift(
    converted: np.ndarray, accounts: np.ndarray, targeted: np.ndarray, level: float = LEVEL
) -> dict[str, float]:
    """Difference of the conversion rates of the targeted and held-out rows, its clustered standard error
    and a two-sided `level` interval (nan bounds when a group has fewer than two accounts)."""
    converted = np.asarray(converted, dtype=float)
    accounts, targeted = np.asarray(accounts), np.asarray(targeted, dtype=bool)
    mean_t, var_t, g_t = _clustered_mean(converted[targeted], accounts[targeted])
    mean_h, var_h, g_h = _clustered_mean(converted[~targeted], accounts[~targeted])
    lift, se = mean_t - mean_h, float(np.sqrt(var_t + var_h))
    half = float(stats.t.ppf(0.5 + level / 2.0, min(g_t, g_h) - 1)) * se if min(g_t, g_h) >= 2 else np.nan
    return {
        "targeted_conversion_rate": mean_t,
        "held_out_conversion_rate": mean_h,
        "realised_lift": lift,
        "lift_std_error": se,
        "lift_lower": lift - half,
        "lift_upper": lift + half,
    }


def readback_lift(customers: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """One row per channel (and `all`) with both groups present: counts, conversion rates, realised lift
    with its interval, the policy's estimate (mean predicted uplift of the targeted customers) and the true
    lift where the input has truth (mean true effect of the planned action over both groups' customers).

    `customers`: one row per customer with account_id, channel, is_targeted, is_converted, predicted_uplift
    and true_uplift (int_policy_readback_customers). The result does not depend on the row order."""
    keys = [c for c in ("account_id", "campaign_id", "customer_ref") if c in customers.columns]
    customers = customers.sort_values(keys, kind="stable") if len(customers) else customers
    rows = []
    channels = sorted(customers["channel"].dropna().unique()) if len(customers) else []
    for channel in [*channels, OVERALL] if channels else []:
        part = customers if channel == OVERALL else customers[customers["channel"] == channel]
        targeted = part["is_targeted"].astype(bool).to_numpy()
        if targeted.all() or not targeted.any():
            continue
        accounts = part["account_id"].astype(str).to_numpy()
        truth = pd.to_numeric(part["true_uplift"], errors="coerce")
        rows.append(
            {
                "channel": channel,
                "targeted_customers": int(targeted.sum()),
                "targeted_accounts": len(np.unique(accounts[targeted])),
                "held_out_customers": int((~targeted).sum()),
                "held_out_accounts": len(np.unique(accounts[~targeted])),
                **clustered_lift(part["is_converted"].astype(bool).to_numpy(), accounts, targeted, level),
                "estimated_lift": float(pd.to_numeric(part["predicted_uplift"])[targeted].mean()),
                "true_lift": float(truth.mean()) if truth.notna().any() else np.nan,
            }
        )
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in READBACK_COLUMNS.items()})
    return pd.DataFrame(rows, columns=list(READBACK_COLUMNS)).astype(READBACK_COLUMNS)


def decisions_as_uplift_scores(
    decisions: pa.Table, campaign_of: str | Mapping[str, str], scored_at: np.datetime64
) -> pa.Table:
    """The exported decisions as uplift_scores rows of the campaign that carries each out (`campaign_of`:
    one campaign id, or one per action when each channel runs as a campaign of its own): arm = the
    planned action (held-out customers too), predicted_uplift = the policy's estimate. Appended to the input
    with the campaigns' treatments and outcomes, they are what policy_readback compares with."""
    if decisions["predicted_uplift"].null_count:
        raise ValueError("a decision without the policy's predicted uplift: nothing to read it back against")
    order = np.argsort(np.asarray(decisions["customer_ref"].to_pylist(), dtype=object), kind="stable")
    d = decisions.take(pa.array(order))
    actions = d["action"].to_pylist()
    campaigns = [campaign_of if isinstance(campaign_of, str) else campaign_of[a] for a in actions]
    n = d.num_rows
    return pa.Table.from_arrays(
        [
            d["customer_ref"].cast(pa.string()),
            pa.array(campaigns, type=pa.string()),
            pa.array(actions, type=pa.string()),
            d["predicted_uplift"].cast(pa.float64()),
            pa.array(np.full(n, np.datetime64(scored_at, "us")), type=pa.timestamp("us")),
        ],
        schema=contract.arrow_schema(contract.UPLIFT_SCORES),
    )
