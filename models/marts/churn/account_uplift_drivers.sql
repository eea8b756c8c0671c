-- Why the uplift model scored an account's customers as it did: per account and scored arm, the three
-- covariates with the largest mean SHAP contribution to a surrogate of the chosen learner's current
-- uplift, in plain words, with the surrogate's out-of-fold R^2 and whether it is faithful enough to show.
select
    -- ids
    account_driver_id,
    account_id,
    campaign_id,
    scored_arm,
    chosen_learner,

    -- driver
    driver_rank,
    feature,
    mean_value,
    mean_contribution,
    phrase,

    -- the account's scores
    scored_customers,
    mean_uplift,

    -- fidelity of the surrogate
    surrogate_r2,
    min_r2,
    is_faithful,

    -- deprecated: the former name of scored_customers, kept for one release
    scored_customers as scored_users

from {{ ref('int_account_uplift_drivers') }}
