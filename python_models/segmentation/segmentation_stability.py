"""Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match."""

from earmark.dbt.model_io import empty_frame, read_parameters
from earmark.dbt.segmentation import clustering_space_or_none, labels_for
from earmark.segmentation import bootstrap_stability

COLUMNS = {
    "cluster_id": "int64",
    "mean_jaccard": "float64",
    "min_jaccard": "float64",
    "resamples": "int64",
    "stability_reading": "str",
    "mean_ari": "float64",
    "sample_size": "int64",
}


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    assignments = dbt.ref("segmentation_assignments").df()
    if space is None or assignments.empty:
        return empty_frame(COLUMNS)
    labels = labels_for(space.features.ids, assignments)
    k = int(labels.max()) + 1
    result = bootstrap_stability(
        space.X,
        labels,
        k,
        n_resamples=int(params["segmentation_resamples"]),
        random_state=int(params["segmentation_seed"]),
        n_init=int(params["segmentation_n_init"]),
        max_points=int(params["segmentation_stability_sample"]),
    )
    table = result.per_cluster.rename(columns={"cluster": "cluster_id", "reading": "stability_reading"})
    table["mean_ari"] = result.mean_ari
    table["sample_size"] = result.sample_size
    return table
