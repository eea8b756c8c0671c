"""The final clustering with the chosen k, DBSCAN outlier flags, and two PCA coordinates for charts
(earmark.dbt.segmentation.assignment_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import assignment_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = dbt.ref("int_segmentation_space").df()
    return assignment_table(space, dbt.ref("int_segmentation_k_scan").df(), params)
