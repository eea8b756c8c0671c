"""The segmentation verdict: every criterion against its threshold, then differentiate or standardize
(earmark.dbt.segmentation.verdict_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import verdict_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return verdict_table(
        dbt.ref("int_segmentation_space").df(),
        dbt.ref("int_segmentation_assignments").df(),
        dbt.ref("int_segmentation_k_scan").df(),
        dbt.ref("int_segmentation_stability").df(),
        params,
    )
