"""Per cluster and feature: mean, median, the base's mean and sd, and the standardised difference z."""

from earmark.dbt.model_io import empty_frame, read_parameters
from earmark.dbt.segmentation import clustering_space_or_none, labels_for
from earmark.segmentation import cluster_profiles

COLUMNS = {
    "cluster_feature_id": "str",
    "cluster_id": "int64",
    "feature": "str",
    "cluster_mean": "float64",
    "cluster_median": "float64",
    "population_mean": "float64",
    "population_sd": "float64",
    "z": "float64",
}


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    assignments = dbt.ref("segmentation_assignments").df()
    if space is None or assignments.empty:
        return empty_frame(COLUMNS)
    labels = labels_for(space.features.ids, assignments)
    table = cluster_profiles(space.features.raw, labels)
    table = table.rename(
        columns={"cluster": "cluster_id", "mean": "cluster_mean", "median": "cluster_median"}
    )
    table.insert(0, "cluster_feature_id", table["cluster_id"].astype(str) + ":" + table["feature"])
    return table[
        [
            "cluster_feature_id",
            "cluster_id",
            "feature",
            "cluster_mean",
            "cluster_median",
            "population_mean",
            "population_sd",
            "z",
        ]
    ]
