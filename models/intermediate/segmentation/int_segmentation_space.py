"""The clustering space, built once: per customer the scaled features, the component scores clustering
runs on (when it does), the unscaled values and two PCA coordinates for charts; every later segmentation
model reads it (earmark.dbt.segmentation.space_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import space_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return space_table(dbt.ref("int_customer_features").df(), params)
