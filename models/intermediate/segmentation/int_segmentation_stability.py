"""Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match
(earmark.dbt.segmentation.stability_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import stability_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = dbt.ref("int_segmentation_space").df()
    return stability_table(space, dbt.ref("int_segmentation_assignments").df(), params)
