"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on the purchase days before the as-of date ('full')
and on the calibration period ('calibration'), with their diagnostics (earmark.dbt.value)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.value import value_models_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return value_models_table(dbt.ref("int_customer_purchase_days").df(), params)
