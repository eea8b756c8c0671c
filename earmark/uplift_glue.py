"""What the thin dbt Python models in python_models/uplift share: the policy campaign's rows, their stable
keys and their covariates, rebuilt identically from the build's parameters in each model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Columns of int_campaign_training_set that are identifiers, assignment or outcomes, never covariates.
NOT_COVARIATES = {
    "treatment_row_number",
    "campaign_id",
    "customer_id",
    "arm",
    "is_treated",
    "is_eligible",
    "channel",
    "treated_at",
    "is_converted",
    "revenue",
    "is_churned",
    "pre_last_purchase_at",
    "pre_last_active_date",
}


def policy_campaign(training: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of the campaign the policy scores: var policy_campaign_id, else the latest campaign."""
    if training.empty:
        return training
    campaign = params.get("policy_campaign_id")
    if campaign is None:
        latest = training.groupby("campaign_id")["treated_at"].max().sort_values(kind="mergesort")
        campaign = latest.index[-1]
    rows = training[training["campaign_id"] == campaign]
    return rows.sort_values("treatment_row_number", kind="mergesort").reset_index(drop=True)


def covariates(training: pd.DataFrame, params: dict[str, Any]) -> list[str]:
    """var uplift_covariates, or every column that is not an id, assignment or outcome and has values."""
    configured = params.get("uplift_covariates")
    if configured:
        return [str(c) for c in configured]
    return [c for c in training.columns if c not in NOT_COVARIATES and training[c].notna().any()]


def assignment_keys(rows: pd.DataFrame) -> np.ndarray:
    """A stable key per campaign assignment, independent of row order: campaign, resolved customer, treatment
    time and arm (an unresolved customer falls back to its treatment row). Folds are drawn from it."""
    row = "row:" + rows["treatment_row_number"].astype("string")
    customer = rows["customer_id"].astype("string").fillna(row)
    parts = [
        rows["campaign_id"].astype("string"),
        customer,
        pd.to_datetime(rows["treated_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S").fillna(""),
        rows["arm"].astype("string"),
    ]
    return pd.concat(parts, axis=1).agg("|".join, axis=1).to_numpy(dtype=str)


def keyed_order(keys: np.ndarray, seed: int) -> np.ndarray:
    """Positions that sort rows by md5(seed:key), ties by key: a pseudo-random order that depends on the
    keys only, never on where the rows sat in the input."""
    import hashlib

    hashes = np.array([hashlib.md5(f"{seed}:{k}".encode()).hexdigest() for k in keys], dtype=object)
    return np.lexsort((np.asarray(keys, dtype=str), hashes))


SELECTION_COLUMNS = {
    "selection_row_id": "str",
    "section": "str",
    "learner": "str",
    "arm": "str",
    "effect_group": "Int64",
    "rows": "int64",
    "group_lower": "float64",
    "group_upper": "float64",
    "mean_predicted_effect": "float64",
    "dr_average_effect": "float64",
    "dr_ci_low": "float64",
    "dr_ci_high": "float64",
    "is_consistent": "boolean",
    "rows_treated": "Int64",
    "policy_net_value": "float64",
    "policy_ci_low": "float64",
    "policy_ci_high": "float64",
    "gain_over_baseline": "float64",
    "gain_ci_low": "float64",
    "gain_ci_high": "float64",
    "is_chosen": "boolean",
}


def scores_by_assignment(scores: pd.DataFrame) -> pd.DataFrame:
    """The treatment arms' rows of uplift_user_scores pivoted to one row per assignment (columns
    '<column>:<arm>'), ordered by customer then assignment so sums do not follow the file's order."""
    treated = scores[~scores["is_control_arm"]]
    value_columns = [c for c in scores.columns if c.startswith("uplift_")] + ["pseudo_outcome"]
    wide = treated.pivot(index="treatment_row_number", columns="scored_arm", values=value_columns)
    wide.columns = [f"{column}:{arm}" for column, arm in wide.columns]
    ids = treated.drop_duplicates("treatment_row_number").set_index("treatment_row_number")
    wide = wide.join(ids[["campaign_id", "customer_id"]])
    return wide.reset_index().sort_values(["customer_id", "treatment_row_number"], kind="mergesort")


def learner_selection(scores: pd.DataFrame, account_of: pd.Series, params: dict[str, Any]) -> pd.DataFrame:
    """Every learner's doubly robust evidence (earmark.uplift.policy_value) for the marts
    uplift_learner_comparison (section 'learner') and uplift_effect_groups (section 'effect_group').

    account_of: customer_id -> account id, the cluster the policy bootstrap redraws."""
    from earmark.uplift.metalearners import META_LEARNERS
    from earmark.uplift.policy_value import compare_learners, effect_groups

    if scores.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in SELECTION_COLUMNS.items()})
    wide = scores_by_assignment(scores)
    arms = sorted(scores.loc[~scores["is_control_arm"], "scored_arm"].unique())
    learners = [name for name in META_LEARNERS if f"uplift_{name}" in scores.columns]
    effects = {
        name: {arm: wide[f"uplift_{name}:{arm}"].to_numpy("float64") for arm in arms} for name in learners
    }
    phi = {arm: wide[f"pseudo_outcome:{arm}"].to_numpy("float64") for arm in arms}
    customers = wide["customer_id"].astype("string")
    clusters = customers.map(account_of).fillna("solo:" + customers).to_numpy(dtype=str)
    costs = {arm: float(params["cost_per_automated_user"]) for arm in arms}
    learner_rows = compare_learners(
        effects,
        phi,
        clusters,
        value_per_outcome=float(params["value_per_conversion"]),
        cost_per_arm=costs,
        n_boot=int(params["uplift_bootstrap"]),
        random_state=int(params["uplift_seed"]),
    ).assign(section="learner", rows=len(wide))
    forced = params.get("uplift_meta_learner") or "auto"
    if forced != "auto":
        if forced not in learners:
            raise ValueError(f"var uplift_meta_learner must be 'auto' or one of {learners}, not {forced!r}")
        learner_rows["is_chosen"] = learner_rows["learner"] == forced
    learner_rows["effect_group"] = pd.NA

    group_tables = []
    for name in learners:
        for arm in arms:
            groups, edges = effect_groups(effects[name][arm], phi[arm])
            bounds = np.concatenate([[-np.inf], edges, [np.inf]])
            groups = groups.rename(columns={"dr_effect": "dr_average_effect", "ci_low": "dr_ci_low"})
            groups = groups.rename(columns={"ci_high": "dr_ci_high"})
            groups["group_lower"] = bounds[groups["effect_group"].to_numpy() - 1]
            groups["group_upper"] = bounds[groups["effect_group"].to_numpy()]
            group_tables.append(groups.assign(section="effect_group", learner=name, arm=arm))
    table = pd.concat([learner_rows, *group_tables], ignore_index=True)
    group = table["effect_group"].astype("Int64").astype("string").fillna("all")
    table["selection_row_id"] = table["section"] + ":" + table["learner"] + ":" + table["arm"] + ":" + group
    for column, dtype in SELECTION_COLUMNS.items():
        if column not in table:
            table[column] = pd.NA
        table[column] = table[column].astype(dtype)
    return table[list(SELECTION_COLUMNS)]


POLICY_VALUE_COLUMNS = {
    "policy": "str",
    "assignments_evaluated": "int64",
    "dr_incremental_value": "float64",
    "dr_incremental_ci_low": "float64",
    "dr_incremental_ci_high": "float64",
    "dr_net_value": "float64",
    "dr_net_ci_low": "float64",
    "dr_net_ci_high": "float64",
}


def policy_values(
    members: pd.DataFrame, scores: pd.DataFrame, account_of: pd.Series, params: dict[str, Any]
) -> pd.DataFrame:
    """The doubly robust value of each policy on the logged campaign (earmark.uplift.policy_value):
    every assignment of a user in a member account is given the treatment arm (its best arm net of cost,
    else the arm with the highest DR average effect), and adds value x its AIPW pseudo-outcome minus the
    arm's cost. Intervals: a percentile bootstrap over accounts, the same draws for every policy.

    members: policy, account_id. scores: int_user_arm_uplift. account_of: customer_id -> account id."""
    from earmark.uplift.policy_value import bootstrap_total, policy_contributions

    policies = sorted(members["policy"].unique())
    if scores.empty or not policies:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in POLICY_VALUE_COLUMNS.items()})
    wide = scores_by_assignment(scores)
    arms = sorted(scores.loc[~scores["is_control_arm"], "scored_arm"].unique())
    phi = {arm: wide[f"pseudo_outcome:{arm}"].to_numpy("float64") for arm in arms}
    strongest = max(arms, key=lambda arm: np.nanmean(phi[arm]))
    best = scores[~scores["is_control_arm"]].drop_duplicates("treatment_row_number")
    best = best.set_index("treatment_row_number")["best_arm_net_of_cost"]
    given = wide["treatment_row_number"].map(best).where(lambda arm: arm.isin(arms), strongest)
    customers = wide["customer_id"].astype("string")
    accounts = customers.map(account_of).fillna("solo:" + customers).to_numpy(dtype=str)
    value_per_outcome = float(params["value_per_conversion"])
    costs = {arm: float(params["cost_per_automated_user"]) for arm in arms}
    value, cost = policy_contributions(phi, given.to_numpy(dtype=object), value_per_outcome, costs)
    columns = []
    for policy in policies:
        touched = np.isin(accounts, members.loc[members["policy"] == policy, "account_id"].astype(str))
        columns += [np.where(touched, value, 0.0), np.where(touched, value - cost, 0.0)]
    totals, lows, highs = bootstrap_total(
        np.column_stack(columns), accounts, int(params["uplift_bootstrap"]), int(params["uplift_seed"])
    )
    rows = []
    for i, policy in enumerate(policies):
        rows.append(
            {
                "policy": policy,
                "assignments_evaluated": int((columns[2 * i + 1] != 0).sum()),
                "dr_incremental_value": totals[2 * i],
                "dr_incremental_ci_low": lows[2 * i],
                "dr_incremental_ci_high": highs[2 * i],
                "dr_net_value": totals[2 * i + 1],
                "dr_net_ci_low": lows[2 * i + 1],
                "dr_net_ci_high": highs[2 * i + 1],
            }
        )
    return pd.DataFrame(rows).astype(POLICY_VALUE_COLUMNS)


def check_outcome(rows: pd.DataFrame, params: dict[str, Any]) -> None:
    """Stop the build with a clear message when var uplift_outcome names no column of the training set or a
    column with no value on the policy campaign: a model fitted to nothing would silently send every
    customer to no_action."""
    outcome = params["uplift_outcome"]
    campaigns = ", ".join(sorted(rows["campaign_id"].astype(str).unique()))
    if outcome not in rows.columns:
        candidates = ", ".join(c for c in ("is_converted", "revenue", "is_churned") if c in rows.columns)
        raise ValueError(
            f"var uplift_outcome = {outcome!r} is not a column of int_campaign_training_set "
            f"(outcomes: {candidates}); set it to one of them"
        )
    if rows[outcome].notna().sum() == 0:
        raise ValueError(
            f"var uplift_outcome = {outcome!r} is null on every row of campaign {campaigns} "
            "(outcomes.parquet gives it no value): set uplift_outcome (and uplift_outcome_type) to an "
            "outcome the input carries, e.g. revenue with uplift_outcome_type continuous"
        )
