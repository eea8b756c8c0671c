"""The BG/NBD model of repeat purchasing (Fader, Hardie and Lee 2005, "Counting your customers the easy
way"): while alive, a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each purchase they
drop out with probability p ~ Beta(a, b).

Every formula works on (frequency x, recency t_x, age T) per customer in one time unit, in logs
(gammaln, betaln, logaddexp), so large frequencies do not overflow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln, hyp2f1

from earmark.value.fit import FitResult, fit_log_parameters, not_fitted

MODEL = "bg_nbd"
PARAMETERS = ("r", "alpha", "a", "b")


def _arrays(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.asarray(x, dtype=float), np.asarray(t_x, dtype=float), np.asarray(T, dtype=float))


def log_likelihood_per_customer(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """ln L(r, alpha, a, b | x, t_x, T) per customer (Fader, Hardie and Lee 2005, eq. 6)."""
    r, alpha, a, b = (params[name] for name in PARAMETERS)
    x, t_x, T = _arrays(x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    survived = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    # the dropout term exists only after a repeat purchase; elsewhere it is -inf (adds nothing)
    dropped = np.full_like(x, -np.inf)
    xr = x[repeat]
    dropped[repeat] = betaln(a + 1, b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return common + np.logaddexp(survived, dropped)


def log_likelihood(params: dict[str, float], x, t_x, T, weights=None) -> float:
    """The total log-likelihood (each customer's term times its weight, 1 by default)."""
    terms = log_likelihood_per_customer(params, x, t_x, T)
    return float(np.sum(terms if weights is None else terms * np.asarray(weights, dtype=float)))


def fit(summary: pd.DataFrame) -> FitResult:
    """Maximum-likelihood BG/NBD on `summary` (columns customer_id, frequency, recency, T: rfm_summary).

    Not fitted, with the reason, when there are no customers or nobody made a repeat purchase (the
    purchase rate and the dropout are then not identified). Customers with equal (x, t_x, T) are counted
    once with a weight, which gives the same likelihood faster; rows are sorted first, so the fit does
    not depend on the input's order.
    """
    n = len(summary)
    if n == 0:
        return not_fitted(MODEL, 0, "no customers with a purchase in the period")
    if not (summary["frequency"] > 0).any():
        return not_fitted(
            MODEL, n, "nobody made a repeat purchase: purchase rate and dropout are not identified"
        )
    grouped = (
        summary[["frequency", "recency", "T"]]
        .astype(float)
        .value_counts()
        .rename("weight")
        .reset_index()
        .sort_values(["frequency", "recency", "T"])
    )
    x, t_x, T, w = (grouped[c].to_numpy() for c in ("frequency", "recency", "T", "weight"))

    def negative(values: np.ndarray) -> float:
        return -log_likelihood(dict(zip(PARAMETERS, values, strict=True)), x, t_x, T, w)

    return _explain(fit_log_parameters(negative, PARAMETERS, MODEL, n))


def _explain(result: FitResult) -> FitResult:
    """Say what a fit on a ridge of the likelihood means: with a dropout that tends to zero, or one that
    is the same for everyone, a and b are not identified on their own (their ratio is)."""
    if not result.params:
        return result
    a, b = result.params["a"], result.params["b"]
    if not result.is_fitted and a / (a + b) < 0.01:
        note = (
            "; the fit heads to no dropout at all (a / (a + b) -> 0): customers show no sign of leaving in "
            "this period, and BG/NBD (which reduces to NBD there) is not identified"
        )
        return FitResult(**{**result.__dict__, "reason": result.reason + note})
    if result.is_fitted and a + b > 100:
        note = (
            f"fitted; a + b = {a + b:,.0f}: the dropout probability barely varies across customers, so a and "
            f"b are identified only through their ratio a / (a + b) = {a / (a + b):.4f}"
        )
        return FitResult(**{**result.__dict__, "reason": note})
    return result


def probability_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T): 1 for customers without a repeat purchase (the model's dropout follows a
    purchase), else 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))."""
    r, alpha, a, b = (params[name] for name in PARAMETERS)
    x, t_x, T = _arrays(x, t_x, T)
    log_odds = np.full_like(x, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    log_odds[repeat] = (
        np.log(a) - np.log(b + xr - 1) + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return np.exp(-np.logaddexp(0.0, log_odds))


def expected_purchases(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] per customer (Fader, Hardie and Lee 2005, eq. 10).

    Needs a > 1 or not: the formula holds for any a > 0 except a = 1 exactly, which the fit never lands
    on. The Gauss hypergeometric function comes from scipy; a non-finite value (extreme frequencies) is
    left as NaN for the caller to see rather than hidden.
    """
    r, alpha, a, b = (params[name] for name in PARAMETERS)
    x, t_x, T = _arrays(x, t_x, T)
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
    with np.errstate(over="ignore", invalid="ignore"):
        bracket = 1.0 - np.exp(log_ratio) * hyper
        numerator = (a + b + x - 1) / (a - 1) * bracket
    log_odds = np.full_like(x, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    log_odds[repeat] = (
        np.log(a) - np.log(b + xr - 1) + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return numerator * np.exp(-np.logaddexp(0.0, log_odds))
