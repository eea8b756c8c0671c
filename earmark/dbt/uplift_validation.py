"""The logic of int_uplift_validation: held-out validation of the uplift scores, per treatment arm against
control: Qini, AUUC, uplift at 10/20/30%, the curve and the deciles, each with bootstrap intervals; once
as if assignment were randomised and once reweighted by the inverse treatment propensity (for biased
assignment)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earmark.dbt.model_io import empty_frame
from earmark.parallel import jobs_for, run_tasks
from earmark.uplift import evaluate_uplift, ipw_weights, propensity_auc

VALIDATION_COLUMNS = {
    "arm": "str",
    "estimator": "str",
    "section": "str",
    "metric": "str",
    "position": "float64",
    "value": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "fraction_targeted": "float64",
    "random_gain": "float64",
    "n": "float64",
    "n_treated": "float64",
    "n_control": "float64",
    "mean_predicted_uplift": "float64",
    "treated_rate": "float64",
    "control_rate": "float64",
    "assignment_auc": "float64",
    "rows_evaluated": "int64",
}


SCORE_COLUMNS = (
    "treatment_row_number",
    "campaign_id",
    "customer_id",
    "fold",
    "scored_arm",
    "is_control_arm",
    "observed_arm",
    "observed_outcome",
    "uplift",
    "treatment_propensity",
)


def validation_rows(scores: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Per treatment arm against control, on the held-out scores: the summary metrics, the curve and the
    deciles, each with seeded bootstrap intervals, as if randomised and reweighted by the propensity."""
    n_boot, seed = int(params["uplift_bootstrap"]), int(params["uplift_seed"])

    tables = []
    if scores.empty:
        return empty_frame({"validation_row_id": "str", **VALIDATION_COLUMNS})
    # every (arm, estimator) bootstrap is independent: one task each, in worker processes on big inputs
    tasks, slots = [], []
    for arm in sorted(scores.loc[~scores["is_control_arm"], "scored_arm"].unique()):
        rows = scores[(scores["scored_arm"] == arm) & scores["observed_arm"].isin([arm, "control"])]
        # a stable order (never the file's) before the seeded bootstrap: campaign, customer, fold (a hash)
        rows = rows.sort_values(["campaign_id", "customer_id", "observed_arm", "fold"], kind="mergesort")
        treated = (rows["observed_arm"] == arm).to_numpy()
        y = rows["observed_outcome"].to_numpy(dtype="float64")
        uplift = rows["uplift"].to_numpy(dtype="float64")
        propensity = rows["treatment_propensity"].to_numpy(dtype="float64")
        auc = propensity_auc(treated, propensity)
        for estimator, weights in (("randomised", None), ("ipw", ipw_weights(treated, propensity))):
            tasks.append((evaluate_uplift, (uplift, treated, y, weights, n_boot, seed)))
            slots.append((arm, estimator, auc, len(rows)))
    results = run_tasks(tasks, jobs_for(len(scores)))
    for (arm, estimator, auc, n_rows), result in zip(slots, results, strict=True):
        summary = result["summary"].assign(section="summary", position=np.nan)
        curve = result["curve"].rename(columns={"incremental_gain": "value"})
        curve = curve.assign(section="curve", metric="incremental_gain", position=curve["fraction_targeted"])
        deciles = result["deciles"].rename(columns={"observed_uplift": "value"})
        deciles = deciles.assign(section="decile", metric="observed_uplift", position=deciles["decile"])
        for table in (summary, curve, deciles):
            table["arm"] = arm
            table["estimator"] = estimator
            table["assignment_auc"] = auc
            table["rows_evaluated"] = n_rows
            tables.append(table)
    combined = pd.concat(tables, ignore_index=True)
    for column in VALIDATION_COLUMNS:
        if column not in combined:
            combined[column] = np.nan
    combined = combined[list(VALIDATION_COLUMNS)]
    combined.insert(
        0,
        "validation_row_id",
        combined["arm"]
        + ":"
        + combined["estimator"]
        + ":"
        + combined["section"]
        + ":"
        + combined["metric"]
        + ":"
        + combined["position"].fillna(-1).round(4).astype(str),
    )
    return combined
