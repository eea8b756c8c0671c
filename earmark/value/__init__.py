"""Customer lifetime value as the field computes it: BG/NBD for how many purchases a customer will make,
Gamma-Gamma for what each will be worth (Fader, Hardie and Lee 2005), fitted by maximum likelihood.

Pure functions on pandas frames, one module per step:

1. `purchase_days` / `rfm_summary` / `holdout_purchases` (summary.py): frequency, recency, T and monetary
   value per customer, counted per purchase day, in a time unit (weeks by default).
2. `bgnbd` (bgnbd.py): log-likelihood, `fit`, `expected_purchases`, `probability_alive`.
3. `gamma_gamma` (gamma_gamma.py): log-likelihood, `fit`, `expected_spend`.
4. `customer_value` / `holdout_check` (clv.py): CLV over a horizon, and the calibration/holdout check
   per frequency bucket.

The fits are written here with scipy (fit.py says why), not taken from lifetimes or pymc-marketing.
"""

from earmark.value import bgnbd, gamma_gamma
from earmark.value.clv import (
    CALIBRATION_COLUMNS,
    FREQUENCY_BUCKETS,
    VALUE_COLUMNS,
    HoldoutCheck,
    customer_value,
    frequency_bucket,
    holdout_check,
)
from earmark.value.fit import FitResult
from earmark.value.summary import (
    DEFAULT_TIME_UNIT_DAYS,
    SUMMARY_COLUMNS,
    holdout_purchases,
    purchase_days,
    rfm_summary,
)

__all__ = [
    "CALIBRATION_COLUMNS",
    "DEFAULT_TIME_UNIT_DAYS",
    "FREQUENCY_BUCKETS",
    "SUMMARY_COLUMNS",
    "VALUE_COLUMNS",
    "FitResult",
    "HoldoutCheck",
    "bgnbd",
    "customer_value",
    "frequency_bucket",
    "gamma_gamma",
    "holdout_check",
    "holdout_purchases",
    "purchase_days",
    "rfm_summary",
]
