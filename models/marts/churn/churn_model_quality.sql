-- How well the churn model ranks customers it did not see: one row with the labelled rows it learned from,
-- the churners among them, the base rate, the folds and the out-of-fold AUC; or why it is not estimable.
select
    -- ids
    campaign_id,

    -- status
    is_estimable,
    status_reason,

    -- numerics
    training_rows,
    churners,
    base_rate,
    folds,
    covariates,
    out_of_fold_auc

from {{ ref('int_churn_model_quality') }}
