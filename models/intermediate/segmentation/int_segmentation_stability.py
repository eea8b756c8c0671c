"""Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match
(earmark.dbt.segmentation.stability_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import stability_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    customers = dbt.ref("int_customer_features").df()
    return stability_table(customers, dbt.ref("int_segmentation_assignments").df(), params)
