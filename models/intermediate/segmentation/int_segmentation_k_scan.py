"""KMeans for every k in the configured range, the metrics per k, and the k the stated rule chooses
(earmark.dbt.segmentation.k_scan_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import k_scan_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return k_scan_table(dbt.ref("int_segmentation_space").df(), params)
