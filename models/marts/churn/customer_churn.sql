-- Churn risk of today's customers and why: P(churn) from the gradient boosting model fitted on the policy
-- campaign's labelled assignments, and the three covariates that moved each customer's score most (SHAP
-- contributions in log-odds, with a plain-words phrase). Risk, not a reason to act: uplift is.
select
    -- ids
    customer_id,
    campaign_id,

    -- score
    churn_probability,

    -- drivers, largest first
    driver_1_feature,
    driver_1_value,
    driver_1_contribution,
    driver_1_phrase,
    driver_2_feature,
    driver_2_value,
    driver_2_contribution,
    driver_2_phrase,
    driver_3_feature,
    driver_3_value,
    driver_3_contribution,
    driver_3_phrase

from {{ ref('int_customer_churn') }}
