"""Which learner the policy uses, and why: every learner's doubly robust policy value, its gain over the
T-learner baseline and the consistency of its mean prediction with the DR average effect; and the sorted
effect groups each learner's predictions fall in (earmark.dbt.uplift.learner_selection). Read through
the marts uplift_learner_comparison and uplift_effect_groups. Costs enter here, not in the fit."""

from earmark.dbt.model_io import read_parameters, used_parameters
from earmark.dbt.uplift import assignment_score_columns, learner_selection

USED_PARAMETERS = (
    "value_per_conversion",
    "cost_per_automated_customer",
    "cost_per_human_account",
    "human_outreach_arm",
    "uplift_meta_learner",
    "uplift_bootstrap",
    "uplift_seed",
)


def model(dbt, session):
    dbt.config(materialized="table")
    params = read_parameters(used_parameters(dbt.ref("int_run_parameters").df(), USED_PARAMETERS))
    learner_scores = dbt.ref("int_uplift_learner_scores")
    # the evidence is out of fold: today's customers' scores have no outcome to judge them by. Rows and
    # columns are chosen in DuckDB: pandas would copy every row and column of a table of millions
    scores = (
        learner_scores.filter("score_basis = 'out_of_fold'")
        .select(*assignment_score_columns(learner_scores.columns))
        .df()
    )
    customers = dbt.ref("int_customer_features").select("customer_id", "account_ref").df()
    account_of = customers.set_index("customer_id")["account_ref"].dropna().astype(str)
    values = dbt.ref("int_customer_conversion_value").select("customer_id", "conversion_value").df()
    values = values.set_index("customer_id")["conversion_value"]
    return learner_selection(scores, account_of, params, values)
