"""What the thin dbt Python models in python_models/uplift share: the training frame, its covariates and
the fitted cross-fitted T-learner, rebuilt identically from the build's parameters in each model."""

from __future__ import annotations

from typing import Any

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
