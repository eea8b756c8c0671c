"""The final clustering with the chosen k, DBSCAN outlier flags, and two PCA coordinates for charts."""

from earmark.dbt.model_io import empty_frame, read_parameters
from earmark.dbt.segmentation import clustering_space_or_none
from earmark.segmentation import cluster_assignments, dbscan_outliers, fit_final

COLUMNS = {
    "customer_id": "str",
    "cluster_id": "int64",
    "is_outlier": "bool",
    "pc1": "float64",
    "pc2": "float64",
    "outlier_eps": "float64",
}


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    scan = dbt.ref("segmentation_k_scan").df()
    if space is None or scan.empty:
        return empty_frame(COLUMNS)
    k = int(scan.loc[scan["is_chosen"], "k"].iloc[0])
    seed = int(params["segmentation_seed"])
    labels, _ = fit_final(
        space.X,
        k,
        random_state=seed,
        n_init=int(params["segmentation_n_init"]),
        fit_sample=int(params["segmentation_fit_sample"]),
    )
    outliers = dbscan_outliers(
        space.X,
        min_samples=int(params["outlier_min_samples"]),
        eps_percentile=float(params["outlier_eps_percentile"]),
        sample_size=int(params["outlier_sample"]),
        random_state=seed,
    )
    table = cluster_assignments(space.features.ids, labels, outliers.is_outlier)
    table = table.rename(columns={"cluster": "cluster_id"})
    # first two principal components of the scaled features, for scatter plots
    scores = (space.features.X - space.pca.mean) @ space.pca.loadings.to_numpy().T
    table["pc1"] = scores[:, 0]
    table["pc2"] = scores[:, 1] if scores.shape[1] > 1 else 0.0
    table["outlier_eps"] = outliers.eps
    return table
