"""Per customer: frequency, recency, age, monetary value, P(alive), expected purchases and spend over the
horizon, and CLV, from the 'full' fits of int_customer_value_models (earmark.dbt.value)."""

from earmark.dbt.model_io import read_parameters
from earmark.dbt.value import customer_value_table


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(dbt.ref("int_run_parameters").df())
    return customer_value_table(
        dbt.ref("int_customer_purchase_days").df(), dbt.ref("int_customer_value_models").df(), params
    )
