"""Per account and scored arm: why the uplift model scored the account's customers as it did, as the top three
mean SHAP contributions of a gradient boosting surrogate of the chosen learner's current uplift, with the
surrogate's out-of-fold R^2 and whether it is faithful enough to show (earmark.dbt.churn)."""

from earmark.dbt.churn import CURRENT_UPLIFT_COLUMNS, DRIVER_PARAMETERS, account_uplift_drivers_table
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), DRIVER_PARAMETERS))
    # the columns read, selected in DuckDB before pandas copies millions of rows
    customers = dbt.ref("int_customer_features").select("customer_id", "account_ref").df()
    uplift = dbt.ref("int_customer_current_uplift").select(*CURRENT_UPLIFT_COLUMNS).df()
    return account_uplift_drivers_table(
        dbt.ref("int_campaign_training_set").df(),
        dbt.ref("int_customer_scoring_set").df(),
        uplift,
        customers.set_index("customer_id")["account_ref"],
        params,
    )
