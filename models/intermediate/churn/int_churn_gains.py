"""The gains table of the out-of-fold churn scores: per decile of score, customers, churners, churn rate,
the cumulative share of churners captured and lift (earmark.dbt.churn)."""

from earmark.dbt.churn import gains


def model(dbt, session):
    dbt.config(materialized="table")
    return gains(dbt.ref("int_churn_out_of_fold").df())
