"""Per cluster and feature: mean, median, the base's mean and sd, and the standardised difference z
(earmark.dbt.segmentation.profile_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import profile_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = dbt.ref("int_segmentation_space").df()
    return profile_table(space, dbt.ref("int_segmentation_assignments").df(), params)
