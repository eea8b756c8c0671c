"""Per account and scored arm: why the uplift model scored the account's customers as it did, as the top three
mean SHAP contributions of a gradient boosting surrogate of the chosen learner's current uplift, with the
surrogate's out-of-fold R^2 and whether it is faithful enough to show (earmark.dbt.churn)."""

from earmark.dbt.churn import DRIVER_PARAMETERS, account_uplift_drivers_table
from earmark.dbt.model_io import read_parameters, used_parameters


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), DRIVER_PARAMETERS))
    customers = dbt.ref("int_customer_features").df()
    return account_uplift_drivers_table(
        dbt.ref("int_campaign_training_set").df(),
        dbt.ref("int_customer_scoring_set").df(),
        dbt.ref("int_customer_current_uplift").df(),
        customers.set_index("customer_id")["account_ref"],
        params,
    )
