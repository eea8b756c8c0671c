"""The segmentation verdict: every criterion against its threshold, then differentiate or standardize."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import clustering_space_or_none, labels_for, verdict_thresholds
from earmark.segmentation import best_effect, effect_sizes, evaluate_verdict
from earmark.segmentation.config import parse_list


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    assignments = dbt.ref("segmentation_assignments").df()
    if space is None or assignments.empty:
        # not estimable: every criterion fails on a missing value, so the verdict is standardize
        nan = float("nan")
        verdict = evaluate_verdict(nan, nan, nan, nan, None, verdict_thresholds(params))
        verdict["detail"] = verdict["detail"] + " (not estimable: fewer than 2 usable features)"
        return verdict[["criterion", "value", "threshold", "passed", "verdict", "detail"]]
    labels = labels_for(space.features.ids, assignments)
    scan = dbt.ref("segmentation_k_scan").df()
    stability = dbt.ref("segmentation_stability").df()

    silhouette = float(scan.loc[scan["is_chosen"], "silhouette"].iloc[0])
    shares = [(labels == cluster).mean() for cluster in range(int(labels.max()) + 1)]
    actionable = params["segmentation_actionable_features"]
    effect, feature = best_effect(
        effect_sizes(space.features.raw, labels), None if actionable is None else parse_list(actionable)
    )
    verdict = evaluate_verdict(
        silhouette,
        float(stability["mean_jaccard"].fillna(0.0).min()),
        float(min(shares)),
        effect,
        feature,
        verdict_thresholds(params),
    )
    return verdict[["criterion", "value", "threshold", "passed", "verdict", "detail"]]
