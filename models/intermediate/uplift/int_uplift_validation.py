"""Held-out validation of the uplift scores per treatment arm, as if randomised and reweighted by the
inverse treatment propensity (earmark.dbt.uplift_validation)."""

from earmark.dbt.model_cache import cached_frame
from earmark.dbt.model_io import read_parameters, used_parameters
from earmark.dbt.uplift_validation import SCORE_COLUMNS, validation_rows


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = used_parameters(dbt.ref("int_run_parameters").df(), ("uplift_bootstrap", "uplift_seed"))
    # only what the validation reads, so a cost change (best_net_value) does not redo the bootstrap
    # (selected in DuckDB, before pandas copies the table)
    scores = dbt.ref("int_customer_arm_uplift").select(*SCORE_COLUMNS).df()
    # the bootstrap is reused while the scores and parameters are unchanged (earmark.dbt.model_cache)
    return cached_frame(
        dbt.config.get("python_model_cache_dir"),
        "int_uplift_validation",
        {"scores": scores, "parameters": parameters},
        lambda: validation_rows(scores, read_parameters(parameters)),
    )
