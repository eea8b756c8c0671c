"""What the thin dbt Python models in models/intermediate/uplift share: the policy campaign's rows, their
stable keys and their covariates, rebuilt identically from the build's parameters in each model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Columns of int_campaign_training_set that are identifiers, assignment or outcomes, never covariates.
NOT_COVARIATES = {
    "treatment_row_number",
    "campaign_id",
    "customer_id",
    "fold_group",
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


def _latest(training: pd.DataFrame, campaigns: list[str]) -> str | None:
    """The campaign that reached its customers last (ties: the greatest id)."""
    if not campaigns:
        return None
    rows = training[training["campaign_id"].isin(campaigns)]
    latest = rows.groupby("campaign_id")["treated_at"].max().reset_index()
    return str(latest.sort_values(["treated_at", "campaign_id"], kind="mergesort")["campaign_id"].iloc[-1])


def human_campaigns(training: pd.DataFrame, params: dict[str, Any]) -> list[str]:
    """Campaigns with an arm named var human_outreach_arm: the evidence of what a human contact does."""
    arm = params.get("human_outreach_arm")
    if training.empty or not arm:
        return []
    return sorted(training.loc[training["arm"] == arm, "campaign_id"].astype(str).unique())


def policy_campaign(training: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of the campaign whose automated arms the policy scores: var policy_campaign_id, else the
    latest campaign without a human-outreach arm."""
    if training.empty:
        return training
    campaign = params.get("policy_campaign_id")
    if campaign is None:
        human = set(human_campaigns(training, params))
        automated = [c for c in training["campaign_id"].astype(str).unique() if c not in human]
        campaign = _latest(training, automated)
    rows = training[training["campaign_id"] == campaign]
    return rows.sort_values("treatment_row_number", kind="mergesort").reset_index(drop=True)


def human_campaign(training: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of the latest campaign with a human-outreach arm that can be fitted (none: a zero-row
    frame), unless it is the policy campaign itself. A later call campaign too small to fit (a cycle's
    calls with a holdout of one account) leaves the evidence of the one before it in place."""
    policy = policy_campaign(training, params)
    chosen = set(policy["campaign_id"].astype(str).unique())
    candidates = [c for c in human_campaigns(training, params) if c not in chosen]
    rows = training.iloc[0:0]
    while candidates:
        campaign = _latest(training, candidates)
        rows = training[training["campaign_id"] == campaign]
        if not_estimable_reason(rows, params) is None:
            break
        candidates.remove(campaign)
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
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part  # column-wise: a row-wise join took seconds at demo size
    return key.to_numpy(dtype=str)


def fold_groups(rows: pd.DataFrame) -> np.ndarray | None:
    """The cross-fitting group of each assignment: campaign and account (column fold_group), so an
    account's users fall in one fold; None when the training set has no such column."""
    if "fold_group" not in rows:
        return None
    group = rows["fold_group"].astype("string").fillna("row:" + rows["treatment_row_number"].astype("string"))
    return (rows["campaign_id"].astype("string") + "|" + group).to_numpy(dtype=str)


def keyed_order(keys: np.ndarray, seed: int) -> np.ndarray:
    """Positions that sort rows by md5(seed:key), ties by key: a pseudo-random order that depends on the
    keys only, never on where the rows sat in the input."""
    import hashlib

    hashes = np.array([hashlib.md5(f"{seed}:{k}".encode()).hexdigest() for k in keys], dtype=object)
    return np.lexsort((np.asarray(keys, dtype=str), hashes))


SELECTION_COLUMNS = {
    "selection_row_id": "str",
    "section": "str",
    "campaign_id": "str",
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
    "dr_harm_bound": "float64",
    "dr_benefit_bound": "float64",
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


# what scores_by_assignment reads besides the learners' uplift_<...> columns
_ASSIGNMENT_COLUMNS = (
    "treatment_row_number",
    "campaign_id",
    "customer_id",
    "scored_arm",
    "is_control_arm",
    "pseudo_outcome",
)


def assignment_score_columns(columns: list[str], *extra: str) -> list[str]:
    """The columns of a score table (int_uplift_learner_scores, int_customer_arm_uplift) that
    scores_by_assignment reads, and `extra`, in the table's order: what a model selects in DuckDB before
    reading millions of rows into pandas."""
    wanted = {*_ASSIGNMENT_COLUMNS, *extra}
    return [column for column in columns if column in wanted or column.startswith("uplift_")]


def scores_by_assignment(scores: pd.DataFrame) -> pd.DataFrame:
    """The treatment arms' rows of int_uplift_learner_scores pivoted to one row per assignment (columns
    '<column>:<arm>'), ordered by customer then assignment so sums do not follow the file's order."""
    treated = scores[~scores["is_control_arm"]]
    value_columns = [c for c in scores.columns if c.startswith("uplift_")] + ["pseudo_outcome"]
    wide = treated.pivot(index="treatment_row_number", columns="scored_arm", values=value_columns)
    wide.columns = [f"{column}:{arm}" for column, arm in wide.columns]
    ids = treated.drop_duplicates("treatment_row_number").set_index("treatment_row_number")
    wide = wide.join(ids[["campaign_id", "customer_id"]])
    return wide.reset_index().sort_values(["customer_id", "treatment_row_number"], kind="mergesort")


def accounts_of(customers: pd.Series, account_of: pd.Series) -> np.ndarray:
    """The account of each customer, 'solo:<customer_id>' for a customer without one (consumer data, where
    `account_of` may be empty)."""
    accounts = customers.map(account_of.astype("string")).astype("string")
    return accounts.fillna("solo:" + customers.astype("string")).to_numpy(dtype=str)


def arm_costs(arms: list[str], accounts: np.ndarray, params: dict[str, Any]) -> dict[str, float | np.ndarray]:
    """The cost of giving each row an arm: cost_per_automated_customer per user for automated arms; for the
    human-outreach arm cost_per_human_account per account, spread evenly over the account's rows (0 when
    the build has no human channel)."""
    human_arm = params.get("human_outreach_arm")
    per_user = float(params["cost_per_automated_customer"])
    costs: dict[str, float | np.ndarray] = {}
    for arm in arms:
        if arm != human_arm:
            costs[arm] = per_user
            continue
        per_account = params.get("cost_per_human_account")
        _, index, counts = np.unique(accounts, return_inverse=True, return_counts=True)
        costs[arm] = (0.0 if per_account is None else float(per_account)) / counts[index]
    return costs


def conversion_values(
    customers: pd.Series, conversion_value: pd.Series | None, params: dict[str, Any]
) -> np.ndarray:
    """What an outcome of each row's customer is worth: conversion_value (customer_id -> value, from
    int_customer_conversion_value) where given, else the constant value_per_conversion."""
    constant = float(params["value_per_conversion"])
    if conversion_value is None:
        return np.full(len(customers), constant)
    per_row = customers.astype("string").map(conversion_value.astype("float64"))
    if per_row.isna().any():
        missing = customers[per_row.isna().to_numpy()].iloc[0]
        raise ValueError(f"int_customer_conversion_value has no value for customer {missing!r}")
    return per_row.to_numpy("float64")


def learner_selection(
    scores: pd.DataFrame,
    account_of: pd.Series,
    params: dict[str, Any],
    conversion_value: pd.Series | None = None,
) -> pd.DataFrame:
    """Every learner's doubly robust evidence (earmark.uplift.policy_value), campaign by campaign, for the
    marts uplift_learner_comparison (section 'learner') and uplift_effect_groups (section
    'effect_group'); the choice is made per campaign.

    account_of: customer_id -> account id, the cluster the policy bootstrap redraws."""
    if scores.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in SELECTION_COLUMNS.items()})
    tables = [
        campaign_selection(rows, account_of, params, conversion_value)
        for _, rows in scores.groupby("campaign_id", sort=True)
    ]
    return pd.concat(tables, ignore_index=True)[list(SELECTION_COLUMNS)]


def campaign_selection(
    scores: pd.DataFrame,
    account_of: pd.Series,
    params: dict[str, Any],
    conversion_value: pd.Series | None = None,
) -> pd.DataFrame:
    """learner_selection for the rows of one campaign."""
    from earmark.uplift.metalearners import META_LEARNERS
    from earmark.uplift.policy_value import compare_learners, effect_groups

    wide = scores_by_assignment(scores)
    arms = sorted(scores.loc[~scores["is_control_arm"], "scored_arm"].unique())
    learners = [name for name in META_LEARNERS if f"uplift_{name}" in scores.columns]
    effects = {
        name: {arm: wide[f"uplift_{name}:{arm}"].to_numpy("float64") for arm in arms} for name in learners
    }
    phi = {arm: wide[f"pseudo_outcome:{arm}"].to_numpy("float64") for arm in arms}
    customers = wide["customer_id"].astype("string")
    clusters = accounts_of(customers, account_of)
    learner_rows = compare_learners(
        effects,
        phi,
        clusters,
        value_per_outcome=conversion_values(customers, conversion_value, params),
        cost_per_arm=arm_costs(arms, clusters, params),
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
            bound_names = {"harm_bound": "dr_harm_bound", "benefit_bound": "dr_benefit_bound"}
            groups = groups.rename(columns={"ci_high": "dr_ci_high", **bound_names})
            groups["group_lower"] = bounds[groups["effect_group"].to_numpy() - 1]
            groups["group_upper"] = bounds[groups["effect_group"].to_numpy()]
            group_tables.append(groups.assign(section="effect_group", learner=name, arm=arm))
    table = pd.concat([learner_rows, *group_tables], ignore_index=True)
    table["campaign_id"] = str(scores["campaign_id"].iloc[0])
    group = table["effect_group"].astype("Int64").astype("string").fillna("all")
    table["selection_row_id"] = table["section"] + ":" + table["learner"] + ":" + table["arm"] + ":" + group
    for column, dtype in SELECTION_COLUMNS.items():
        if column not in table:
            table[column] = pd.NA
        table[column] = table[column].astype(dtype)
    return table[list(SELECTION_COLUMNS)]


POLICY_VALUE_COLUMNS = {
    "policy": "str",
    "accounts_evaluated": "int64",
    "dr_incremental_value": "float64",
    "dr_incremental_ci_low": "float64",
    "dr_incremental_ci_high": "float64",
    "dr_net_value": "float64",
    "dr_net_ci_low": "float64",
    "dr_net_ci_high": "float64",
}


def row_contributions(
    scores: pd.DataFrame,
    account_of: pd.Series,
    params: dict[str, Any],
    conversion_value: pd.Series | None = None,
) -> pd.DataFrame:
    """Per logged assignment (customer_id, account_id), the doubly robust value and cost of reaching its
    customer on the logged campaigns: automated_value / automated_cost on the automated arms' campaign (the
    row's best arm net of cost, else the arm with the highest DR average effect: value x its AIPW
    pseudo-outcome, cost_per_automated_customer), and human_value on the human-outreach campaign (value x the
    pseudo-outcome of a call; its cost is per account, added by `policy_values`)."""
    from earmark.uplift.policy_value import policy_contributions

    human_arm = params.get("human_outreach_arm")
    wide = scores_by_assignment(scores)
    customers = wide["customer_id"].astype("string")
    wide["account_id"] = accounts_of(customers, account_of)
    wide["conversion_value"] = conversion_values(customers, conversion_value, params)
    arms = sorted(scores.loc[~scores["is_control_arm"], "scored_arm"].unique())
    automated = [arm for arm in arms if arm != human_arm]
    campaign_of = scores.drop_duplicates("scored_arm").set_index("scored_arm")["campaign_id"]
    frames = []
    if automated:
        rows = wide[wide["campaign_id"] == campaign_of[automated[0]]]
        phi = {arm: rows[f"pseudo_outcome:{arm}"].to_numpy("float64") for arm in automated}
        strongest = max(automated, key=lambda arm: np.nanmean(phi[arm]))
        best = scores[~scores["is_control_arm"]].drop_duplicates("treatment_row_number")
        best = best.set_index("treatment_row_number")["best_arm_net_of_cost"]
        given = rows["treatment_row_number"].map(best).where(lambda arm: arm.isin(automated), strongest)
        costs = {arm: float(params["cost_per_automated_customer"]) for arm in automated}
        worth = rows["conversion_value"].to_numpy("float64")
        value, cost = policy_contributions(phi, given.to_numpy(dtype=object), worth, costs)
        frames.append(
            rows[["treatment_row_number", "customer_id", "account_id"]].assign(
                automated_value=value, automated_cost=cost
            )
        )
    if human_arm in arms:
        rows = wide[wide["campaign_id"] == campaign_of[human_arm]]
        phi = rows[f"pseudo_outcome:{human_arm}"].to_numpy("float64")
        frames.append(
            rows[["treatment_row_number", "customer_id", "account_id"]].assign(
                human_value=rows["conversion_value"].to_numpy("float64") * np.nan_to_num(phi)
            )
        )
    contributions = pd.concat(frames, ignore_index=True)
    for column in ("automated_value", "automated_cost", "human_value"):
        if column not in contributions:
            contributions[column] = np.nan
    contributions["customer_id"] = contributions["customer_id"].astype("string")
    contributions["account_id"] = contributions["account_id"].astype("string")
    return contributions


def policy_values(
    reach: pd.DataFrame,
    scores: pd.DataFrame,
    account_of: pd.Series,
    params: dict[str, Any],
    audience: pd.DataFrame | None = None,
    conversion_value: pd.Series | None = None,
) -> pd.DataFrame:
    """The doubly robust value of each policy on the logged campaigns (earmark.uplift.policy_value): the
    sum of the logged rows' contributions (`row_contributions`) for the channel that reaches their customer,
    an automated nudge's value and cost for each customer it reaches, a call's value for every row of a
    called account and cost_per_human_account once per called account with logged rows (a call to an
    account the human-outreach campaign never reached adds its cost but no value). Intervals: a percentile
    bootstrap over accounts, the same draws for every policy.

    reach: policy, account_id, customer_id, channel, nudge_audience (int_policy_reach: a call reaches the
    account, a nudge its audience). For a policy whose nudge audience is the model's ('model_audience'),
    which logged row a nudged account's nudge reaches is read from `audience` (treatment_row_number,
    is_in_nudge_audience: int_assignment_nudge_audience, judged on out-of-fold scores), since judging a
    row by today's score, from models that saw its outcome, would flatter the policy. scores:
    int_customer_arm_uplift. account_of: customer_id -> account."""
    from earmark.uplift.policy_value import bootstrap_total

    policies = sorted(reach["policy"].unique())
    if scores.empty or not policies:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in POLICY_VALUE_COLUMNS.items()})
    rows = row_contributions(scores, account_of, params, conversion_value)
    reached_out_of_fold = (
        pd.Series(dtype=bool)
        if audience is None
        else audience.set_index("treatment_row_number")["is_in_nudge_audience"].astype(bool)
    )
    accounts = np.sort(rows["account_id"].unique())
    account_index = pd.Index(accounts)
    human_cost = float(params.get("cost_per_human_account") or 0.0)
    columns, evaluated = [], []
    for policy in policies:
        chosen = reach[reach["policy"] == policy]
        automated = chosen[chosen["channel"] != "human"]
        model_audience = (
            "nudge_audience" in automated and (automated["nudge_audience"] == "model_audience").any()
        )
        if audience is not None and model_audience:
            in_account = rows["account_id"].isin(automated["account_id"].astype(str))
            nudged = in_account & rows["treatment_row_number"].map(reached_out_of_fold).fillna(False).astype(
                bool
            )
        else:
            nudged = rows["customer_id"].isin(automated["customer_id"].astype(str))
        called_accounts = chosen.loc[chosen["channel"] == "human", "account_id"].astype(str)
        called = rows["account_id"].isin(called_accounts)
        per_row = pd.DataFrame(
            {
                "account_id": rows["account_id"],
                "value": np.where(nudged, rows["automated_value"].fillna(0.0), 0.0)
                + np.where(called, rows["human_value"].fillna(0.0), 0.0),
                "cost": np.where(nudged, rows["automated_cost"].fillna(0.0), 0.0),
            }
        )
        per_account = per_row.groupby("account_id", sort=True)[["value", "cost"]].sum().reindex(account_index)
        is_called = account_index.isin(called_accounts)
        value = per_account["value"].to_numpy("float64")
        cost = per_account["cost"].to_numpy("float64") + np.where(is_called, human_cost, 0.0)
        columns += [value, value - cost]
        evaluated.append(int(rows.loc[nudged | called, "account_id"].nunique()))
    totals, lows, highs = bootstrap_total(
        np.column_stack(columns),
        accounts.astype(str),
        int(params["uplift_bootstrap"]),
        int(params["uplift_seed"]),
    )
    table = []
    for i, policy in enumerate(policies):
        table.append(
            {
                "policy": policy,
                "accounts_evaluated": evaluated[i],
                "dr_incremental_value": totals[2 * i],
                "dr_incremental_ci_low": lows[2 * i],
                "dr_incremental_ci_high": highs[2 * i],
                "dr_net_value": totals[2 * i + 1],
                "dr_net_ci_low": lows[2 * i + 1],
                "dr_net_ci_high": highs[2 * i + 1],
            }
        )
    return pd.DataFrame(table).astype(POLICY_VALUE_COLUMNS)


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


def not_estimable_reason(rows: pd.DataFrame, params: dict[str, Any]) -> str | None:
    """Why a campaign's rows cannot be fitted, or None when they can: every arm, control included, needs
    at least two rows with a known outcome per cross-fitting fold (each fold's models train on the other
    folds' rows of that arm), and a binary outcome needs both values."""
    if rows.empty:
        return "no campaign rows"
    control = "control"
    arms = sorted(rows["arm"].astype(str).unique())
    if control not in arms or len(arms) < 2:
        campaign = rows["campaign_id"].iloc[0]
        return f"campaign {campaign}: arms {arms}, uplift needs a control arm and a treated one"
    folds = int(params["uplift_folds"])
    known = (
        rows[rows[params["uplift_outcome"]].notna()] if params["uplift_outcome"] in rows else rows.iloc[0:0]
    )
    counts = known["arm"].astype(str).value_counts()
    short = [arm for arm in arms if counts.get(arm, 0) < 2 * folds]
    if short:
        return (
            f"campaign {rows['campaign_id'].iloc[0]}: arms {short} have fewer than {2 * folds} rows with a "
            f"known outcome ({folds} folds x 2)"
        )
    if params["uplift_outcome_type"] == "binary" and known[params["uplift_outcome"]].nunique() < 2:
        return f"campaign {rows['campaign_id'].iloc[0]}: the outcome takes a single value"
    return _single_fold_arms(rows, arms, params)


def _single_fold_arms(rows: pd.DataFrame, arms: list[str], params: dict[str, Any]) -> str | None:
    """With grouped cross-fitting an arm whose known outcomes all sit in one fold (its accounts all fall
    in it, as when a holdout drew a single account) leaves that fold's models nothing of the arm to learn
    from: the folds are dealt as the fit deals them (earmark.uplift.metalearners.fit_nuisances)."""
    from earmark.uplift.metalearners import keyed_folds

    groups = fold_groups(rows.reset_index(drop=True))
    if groups is None:
        return None
    unique, position = np.unique(groups.astype(str), return_inverse=True)
    n_folds = int(params["uplift_folds"])
    folds = keyed_folds(unique, np.zeros(len(unique)), n_folds, int(params.get("uplift_seed", 42)))[position]
    known = rows[params["uplift_outcome"]].notna().to_numpy()
    arm = rows["arm"].astype(str).to_numpy()
    thin = [a for a in arms if len(np.unique(folds[known & (arm == a)])) < 2]
    if thin:
        return (
            f"campaign {rows['campaign_id'].iloc[0]}: arms {thin} have known outcomes in a single "
            "cross-fitting fold (their accounts all fall in it)"
        )
    return None


def current_scores(
    fit,
    scoring: pd.DataFrame,
    campaign_id: str,
    columns: dict[str, str],
    out_of_fold: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every learner's score of each current customer for each treatment arm of the campaign, from its fold
    models (earmark.uplift.metalearners.score_rows), as rows of int_uplift_learner_scores (`columns`: name ->
    dtype; the columns a current row does not have are null). A customer the campaign reached is scored by
    the models of its own fold (`out_of_fold`: customer_id and fold of the campaign's rows), which never saw
    its outcome, so no decision, and no value estimated for it, rests on a model that learned that outcome."""
    from earmark.uplift.metalearners import META_LEARNERS, score_learners

    scoring = scoring.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    if scoring.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    own_fold = np.full(len(scoring), -1)
    if out_of_fold is not None and not out_of_fold.empty:
        # one fold per customer (a customer listed twice in a campaign takes its lowest fold)
        fold_of = out_of_fold.dropna(subset=["fold"]).groupby("customer_id")["fold"].min()
        own_fold = scoring["customer_id"].map(fold_of).fillna(-1).to_numpy(dtype="int64")
    scored = score_learners(fit, scoring, META_LEARNERS, own_fold=own_fold)
    frames = []
    for arm in fit.nuisances.treatment_arms:
        frame = pd.DataFrame(
            {
                "customer_arm_score_id": "current:"
                + campaign_id
                + ":"
                + scoring["customer_id"].astype(str)
                + ":"
                + arm,
                "score_basis": "current",
                "campaign_id": campaign_id,
                "customer_id": scoring["customer_id"],
                "scored_arm": arm,
                "is_control_arm": False,
            }
        )
        for name in META_LEARNERS:
            frame[f"uplift_{name}"] = scored[name][arm]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    for column, dtype in columns.items():
        if column not in frame:
            frame[column] = pd.Series(pd.NA if dtype == "Int64" else None, index=frame.index, dtype=object)
    return frame
