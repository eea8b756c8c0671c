"""The calibration/holdout check of BG/NBD: per calibration frequency bucket, mean predicted and mean
actual repeat purchase days in the holdout (earmark.dbt.value)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.value import calibration_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return calibration_table(
        dbt.ref("int_customer_purchase_days").df(), dbt.ref("int_customer_value_models").df(), params
    )
