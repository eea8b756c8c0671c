"""Results tables for the README: the headline figures of one or more built warehouses, as Markdown."""

from __future__ import annotations

from pathlib import Path

import duckdb

from earmark.reporting.warehouse import connect_read_only


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.sql(sql).fetchall()[0][0]


def warehouse_figures(db: Path) -> dict[str, str]:
    """Headline figures of one warehouse, formatted for a table."""
    with connect_read_only(db) as con:
        figures: dict[str, str] = {}
        raw, kept = con.sql(
            "select max(input_rows), sum(rows_assigned) filter (where row_outcome = 'kept') "
            "from data_quality where input_file = 'transactions'"
        ).fetchall()[0]
        figures["transaction lines (raw)"] = f"{raw:,}"
        figures["kept sales"] = f"{kept:,} ({kept / raw:.1%})" if raw else "0"
        for rule, assigned, flagged in con.sql(
            "select rule, rows_assigned, rows_flagged from data_quality "
            "where input_file = 'transactions' and row_outcome = 'excluded' order by rule_order"
        ).fetchall():
            figures[f"excluded: {rule} (matched on its own)"] = f"{assigned:,} ({flagged:,})"
        identity = con.sql(
            "select customer_records, resolved_customers, records_merged, records_split_off, "
            "pairwise_precision, pairwise_recall from identity_resolution"
        ).fetchall()[0]
        records, customers, merged, split, precision, recall = identity
        figures["customer records -> resolved customers"] = f"{records:,} -> {customers:,}"
        figures["records merged / references split"] = f"{merged:,} / {split:,}"
        figures["identity pairwise precision / recall"] = (
            "not estimable (no truth)" if precision is None else f"{precision:.4f} / {recall:.4f}"
        )
        figures["as-of date"] = str(_scalar(con, "select max(as_of_date) from customers"))
        medians = con.sql(
            "select median(recency_days), median(frequency), median(monetary) "
            "from customers where frequency > 0"
        ).fetchall()[0]
        figures["median recency / frequency / monetary"] = (
            "not estimable (no sales)"
            if medians[0] is None
            else "{:.0f} d / {:.0f} / {:,.0f}".format(*medians)
        )
        for segment, share in con.sql(
            "select rfm_segment, share_of_customers from segment_summary order by customers desc"
        ).fetchall():
            figures[f"segment: {segment}"] = f"{share:.1%}"
        figures.update(_segmentation_figures(con))
        figures.update(_uplift_and_policy_figures(con))
    return figures


def _uplift_and_policy_figures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    figures: dict[str, str] = {}
    rows = con.sql(
        "select arm, estimator, metric, value, ci_low, ci_high, assignment_auc from uplift_evaluation "
        "where metric in ('ate', 'qini_coefficient') order by arm, estimator, metric"
    ).fetchall()
    if not rows:
        figures["uplift"] = "not estimable (no campaign)"
    for arm, estimator, metric, value, low, high, auc in rows:
        figures[f"uplift {arm}: {metric} ({estimator})"] = f"{value:.4f} [{low:.4f}, {high:.4f}]"
        figures[f"uplift {arm}: assignment AUC"] = f"{auc:.3f}"
    for arm, learner, mean, dr, low, high, consistent in con.sql(
        "select arm, learner, mean_predicted_effect, dr_average_effect, dr_ci_low, dr_ci_high, is_consistent "
        "from uplift_learner_comparison where is_chosen order by arm"
    ).fetchall():
        inside = "inside" if consistent else "OUTSIDE"
        figures[f"uplift {arm}: chosen learner, mean prediction"] = (
            f"{learner}, {mean:.4f} ({inside} DR interval {dr:.4f} [{low:.4f}, {high:.4f}])"
        )
    for arm, decision in con.sql("select arm, decision from uplift_verdict order by arm").fetchall():
        figures[f"uplift {arm}: verdict"] = decision
    audit = con.sql(
        "select max(uplift_rank_correlation), max(account_net_rank_correlation) from policy_audit"
    ).fetchall()[0]
    if audit[0] is not None:
        figures["predicted vs true uplift (Spearman)"] = f"{audit[0]:.3f}"
        figures["predicted vs true account net value (Spearman)"] = f"{audit[1]:.3f}"
    for archetype, reached, missed in con.sql(
        "select true_archetype, sum(reached_customers), sum(customers) - sum(reached_customers) "
        "from policy_audit group by 1 order by 1"
    ).fetchall():
        figures[f"true {archetype}s: reached / not"] = f"{reached or 0:,} / {missed or 0:,}"
    for action, n in con.sql("select action, count(*) from account_actions group by 1 order by 1").fetchall():
        figures[f"accounts: {action}"] = f"{n:,}"
    true_net_of: dict[str, float] = {}
    rows = con.sql(
        "select policy, accounts, accounts - human_accounts, dr_net_value, dr_net_ci_low, dr_net_ci_high, "
        "true_net_value, true_sleeping_dogs, true_sleeping_dog_admins, "
        "nudged_accounts_with_sleeping_dog_admin, nudged_accounts_reaching_sleeping_dog_admin "
        "from policy_comparison order by policy"
    ).fetchall()
    for policy, accounts, nudged, dr, low, high, true_net, dogs, dog_admins, dog_accounts, reached in rows:
        estimate = "DR net not estimable" if dr is None else f"DR net {dr:,.0f} [{low:,.0f}, {high:,.0f}]"
        truth = (
            ""
            if true_net is None
            else f", true net {true_net:,.0f}, true sleeping dogs reached {dogs:,} ({dog_admins:,} admins), "
            f"nudged accounts with a sleeping-dog admin {dog_accounts:,}, "
            f"reaching one {reached:,} ({reached / max(nudged, 1):.1%} of {nudged:,} nudged)"
        )
        figures[f"policy {policy}"] = f"{accounts:,} accounts, {estimate}{truth}"
        if true_net is not None:
            true_net_of[policy] = true_net
    if {"earmark", "free_oracle", "blind"} <= set(true_net_of) and true_net_of["free_oracle"] > 0:
        figures["earmark true net: share of free oracle / against blind"] = (
            f"{true_net_of['earmark'] / true_net_of['free_oracle']:.0%} / "
            f"{true_net_of['earmark'] - true_net_of['blind']:+,.0f}"
        )
    return figures


def _segmentation_figures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    figures: dict[str, str] = {}
    chosen = con.sql(
        "select k, silhouette, clustered_on from cluster_model_selection where is_chosen"
    ).fetchall()
    if not chosen:
        figures["clustering: chosen k (silhouette), space"] = "not estimable (fewer than 2 usable features)"
    else:
        k, silhouette, clustered_on = chosen[0]
        figures["clustering: chosen k (silhouette), space"] = f"{k} ({silhouette:.4f}), {clustered_on}"
    for criterion, value, threshold, passed, verdict in con.sql(
        "select criterion, value, threshold, passed, verdict from segmentation_verdict "
        "order by criterion = 'overall'"
    ).fetchall():
        if criterion == "overall":
            figures["segmentation verdict"] = f"**{verdict}** ({value:.0f} of {threshold:.0f} criteria)"
        else:
            shown = "n/a" if value is None or value != value else f"{value:.4f}"  # null/NaN: not estimable
            figures[f"verdict: {criterion} (threshold)"] = (
                f"{shown} ({threshold:g}) {'pass' if passed else 'FAIL'}"
            )
    personas = con.sql(
        "select string_agg(persona || ' ' || customers, ', ' order by cluster_id) from cluster_profiles"
    ).fetchall()[0][0]
    figures["clusters: persona and size, by cluster id"] = personas or "none"
    figures["DBSCAN outliers"] = f"{_scalar(con, 'select count(*) from customers where is_outlier'):,}"
    for band, n in con.sql("select treatment_band, count(*) from customers group by 1 order by 1").fetchall():
        figures[f"band: {band}"] = f"{n:,}"
    return figures


def results_markdown(named_dbs: list[tuple[str, Path]]) -> str:
    """A Markdown table with one column per warehouse."""
    columns = [(name, warehouse_figures(db)) for name, db in named_dbs]
    keys: list[str] = []
    for _, figures in columns:
        keys.extend(k for k in figures if k not in keys)
    lines = [
        "| figure | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(figures.get(key, "") for _, figures in columns) + " |")
    return "\n".join(lines) + "\n"
