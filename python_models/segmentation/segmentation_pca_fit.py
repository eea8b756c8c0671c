"""PCA of the scaled segmentation features and the rule deciding whether clustering uses the components."""

from earmark.dbt.model_io import empty_frame, read_parameters
from earmark.dbt.segmentation import clustering_space_or_none

COLUMNS = {
    "pca_loading_id": "str",
    "component": "int64",
    "feature": "str",
    "loading": "float64",
    "explained_variance_ratio": "float64",
    "cumulative_variance": "float64",
    "components_used": "int64",
    "used_for_clustering": "bool",
    "rule": "str",
}


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    space = clustering_space_or_none(dbt.ref("int_customer_features").df(), params)
    if space is None:
        return empty_frame(COLUMNS)
    pca = space.pca
    table = pca.loadings_frame().merge(pca.to_frame(), on="component")
    table["components_used"] = pca.n_components_for_target if pca.use_components else 0
    table["rule"] = pca.rule
    table.insert(0, "pca_loading_id", table["component"].astype(str) + ":" + table["feature"])
    return table[
        [
            "pca_loading_id",
            "component",
            "feature",
            "loading",
            "explained_variance_ratio",
            "cumulative_variance",
            "components_used",
            "used_for_clustering",
            "rule",
        ]
    ]
