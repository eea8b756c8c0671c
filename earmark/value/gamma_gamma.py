"""The Gamma-Gamma model of spend per purchase (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value
curves for customer base analysis"): a customer's purchases are Gamma(p, nu) in value, with nu ~
Gamma(q, v) across customers. It is fitted on the customers with at least one repeat purchase, on the
mean value of their repeat purchases; it assumes spend does not depend on how often a customer buys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from earmark.value.fit import FitResult, fit_log_parameters, not_fitted

MODEL = "gamma_gamma"
PARAMETERS = ("p", "q", "v")


def log_likelihood_per_customer(params: dict[str, float], x, m_x) -> np.ndarray:
    """ln f(m_x | p, q, v, x): the density of a customer's mean spend m_x over x purchases."""
    p, q, v = (params[name] for name in PARAMETERS)
    x, m_x = np.asarray(x, dtype=float), np.asarray(m_x, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m_x)
        + px * np.log(x)
        - (px + q) * np.log(v + m_x * x)
    )


def fit(summary: pd.DataFrame) -> FitResult:
    """Maximum-likelihood Gamma-Gamma on the customers of `summary` (rfm_summary) with frequency > 0 and a
    positive monetary value. Not fitted, with the reason, when fewer than two such customers remain."""
    usable = summary[(summary["frequency"] > 0) & (summary["monetary"] > 0)]
    usable = usable.sort_values("customer_id")
    n = len(usable)
    if n < 2:
        return not_fitted(
            MODEL, n, "fewer than two customers with a repeat purchase of positive value: spend not estimable"
        )
    x = usable["frequency"].to_numpy(dtype=float)
    m_x = usable["monetary"].to_numpy(dtype=float)

    def negative(values: np.ndarray) -> float:
        return -float(np.sum(log_likelihood_per_customer(dict(zip(PARAMETERS, values, strict=True)), x, m_x)))

    result = fit_log_parameters(negative, PARAMETERS, MODEL, n)
    if result.is_fitted and result.params["q"] <= 1:
        # the population mean spend p v / (q - 1) does not exist: no expected spend for new customers
        return FitResult(
            **{**result.__dict__, "is_fitted": False, "reason": "q <= 1: the mean spend is infinite"}
        )
    return result


def expected_spend(params: dict[str, float], x, m_x) -> np.ndarray:
    """E[spend per purchase | x, m_x] = (v + x m_x) p / (p x + q - 1): the customer's own mean m_x weighed
    against the population mean p v / (q - 1) by x. Customers without a repeat purchase (x = 0, m_x null)
    get the population mean."""
    p, q, v = (params[name] for name in PARAMETERS)
    x = np.asarray(x, dtype=float)
    m_x = np.nan_to_num(np.asarray(m_x, dtype=float), nan=0.0)
    m_x = np.where(x > 0, m_x, 0.0)
    return p * (v + x * m_x) / (p * x + q - 1)
