"""KMeans for every k in the configured range, the metrics per k, and the k the stated rule chooses."""

from earmark.dbt.model_io import empty_frame, read_parameters
from earmark.dbt.segmentation import clustering_space_or_none
from earmark.segmentation import choose_k, mark_chosen, scan_k

COLUMNS = {
    "k": "int64",
    "silhouette": "float64",
    "calinski_harabasz": "float64",
    "davies_bouldin": "float64",
    "inertia": "float64",
    "fit_rows": "int64",
    "silhouette_rows": "int64",
    "clustered_on": "str",
    "dimensions": "int64",
    "is_chosen": "bool",
    "selection_rule": "str",
}


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    if space is None:
        return empty_frame(COLUMNS)
    tolerance = float(params["segmentation_k_tolerance"])
    k_max = min(int(params["segmentation_k_max"]), len(space.X) - 1)
    scan = scan_k(
        space.X,
        range(int(params["segmentation_k_min"]), k_max + 1),
        random_state=int(params["segmentation_seed"]),
        n_init=int(params["segmentation_n_init"]),
        silhouette_sample=int(params["segmentation_silhouette_sample"]),
        fit_sample=int(params["segmentation_fit_sample"]),
    )
    marked = mark_chosen(scan, tolerance)
    _, rule = choose_k(scan, tolerance)
    marked["is_chosen"] = marked["chosen"]
    marked["selection_rule"] = rule
    marked["clustered_on"] = space.clustered_on
    marked["dimensions"] = space.X.shape[1]
    return marked[
        [
            "k",
            "silhouette",
            "calinski_harabasz",
            "davies_bouldin",
            "inertia",
            "fit_rows",
            "silhouette_rows",
            "clustered_on",
            "dimensions",
            "is_chosen",
            "selection_rule",
        ]
    ]
