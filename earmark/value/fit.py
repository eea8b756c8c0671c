"""What every maximum-likelihood fit of this package reports, and the optimiser they share.

The fits are written here with scipy rather than taken from a library: pymc-marketing's current releases
need Python 3.12 or later (Earmark runs on 3.11) and `lifetimes` has not been maintained since 2020. The
likelihoods are the published ones (Fader, Hardie and Lee 2005), checked against the published CDNOW
estimates in tests/python/test_value.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

# Log-parameters are kept inside [-LOG_BOUND, LOG_BOUND] (parameters between about 1e-9 and 1e9): a fit
# that ends on this bound has run off to zero or infinity, which is reported as not converged.
LOG_BOUND = 20.0


@dataclass(frozen=True)
class FitResult:
    """A maximum-likelihood fit: its parameters and how the fit went.

    `is_fitted` is true only when the optimiser converged to finite parameters inside the bounds; otherwise
    `reason` says why, and no prediction may use `params`: they are empty when no fit was attempted, and
    the optimiser's end point (kept for diagnosis) when it ran but did not converge.
    """

    model: str
    params: dict[str, float] = field(default_factory=dict)
    is_fitted: bool = False
    converged: bool = False
    log_likelihood: float | None = None
    iterations: int = 0
    n_customers: int = 0
    reason: str = ""


def fit_log_parameters(
    negative_log_likelihood: Callable[[np.ndarray], float],
    names: tuple[str, ...],
    model: str,
    n_customers: int,
) -> FitResult:
    """Minimise a negative log-likelihood over log-parameters from a fixed start (every parameter 1).

    L-BFGS-B with numerical gradients, bounded log-parameters; the same input always gives the same fit.
    """

    def objective(log_params: np.ndarray) -> float:
        value = negative_log_likelihood(np.exp(log_params))
        return float(value) if np.isfinite(value) else 1e300

    start = np.zeros(len(names))
    result = minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
    )
    log_params = np.asarray(result.x, dtype=float)
    params = {name: float(value) for name, value in zip(names, np.exp(log_params), strict=True)}
    finite = bool(np.all(np.isfinite(log_params))) and bool(np.isfinite(result.fun)) and result.fun < 1e300
    on_bound = bool(np.any(np.abs(log_params) >= LOG_BOUND - 1e-6))
    converged = bool(result.success) and finite and not on_bound
    if converged:
        reason = ""
    elif not finite:
        reason = "the likelihood is not finite at the optimiser's end point"
    elif on_bound:
        reason = "a parameter ran off to 0 or infinity: the data do not identify the model"
    else:
        reason = f"the optimiser did not converge ({str(result.message).strip().rstrip(':')})"
    return FitResult(
        model=model,
        params=params if finite else {},
        is_fitted=converged,
        converged=converged,
        log_likelihood=float(-result.fun) if finite else None,
        iterations=int(result.nit),
        n_customers=n_customers,
        reason=reason,
    )


def not_fitted(model: str, n_customers: int, reason: str) -> FitResult:
    """A fit that was not attempted, and why."""
    return FitResult(model=model, n_customers=n_customers, reason=reason)
