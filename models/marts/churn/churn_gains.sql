-- The gains table of the out-of-fold churn scores: labelled assignments ranked by score and cut into
-- deciles (1: the highest scores), with churners, churn rate, the cumulative share of churners captured
-- and lift over the base rate.
select
    -- ids
    decile,

    -- numerics
    customers,
    churners,
    churn_rate,
    min_score,
    max_score,
    cumulative_customers,
    cumulative_churners,
    cumulative_churner_share,
    lift,
    cumulative_lift

from {{ ref('int_churn_gains') }}
