"""Bootstrap stability of the final clustering: per cluster the mean Jaccard to its best match."""

from earmark.segmentation import bootstrap_stability
from earmark.segmentation.dbt_glue import clustering_space, labels_for, read_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space(dbt.ref("int_customer_features").df(), params)
    labels = labels_for(space.features.ids, dbt.ref("segmentation_assignments").df())
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
