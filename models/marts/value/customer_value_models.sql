-- The fitted value models and how each fit went: BG/NBD and Gamma-Gamma on the whole period before the
-- as-of date (full) and on the calibration period (calibration).
select
    -- ids
    value_model_id,
    fit_period,
    model_name,

    -- period
    cast(period_end_date as date) as period_end_date,
    prediction_days,
    time_unit_days,

    -- diagnostics
    is_fitted,
    is_converged,
    status_reason,
    n_customers,
    log_likelihood,
    iterations,

    -- parameters (BG/NBD: r, alpha, a, b; Gamma-Gamma: p, q, v)
    r,
    alpha,
    a,
    b,
    p,
    q,
    v

from {{ ref('int_customer_value_models') }}
