"""PCA of the scaled segmentation features and the rule deciding whether clustering uses the components,
refitted on the stored space (earmark.dbt.segmentation.pca_table)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.segmentation import pca_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return pca_table(dbt.ref("int_segmentation_space").df(), params)
