"""The injected defects: their rates, and the names of the first-match rules they are recounted by.

The generators draw from `DEFECT_RATES` and the manifest reports the same dict, so it lives in one place
rather than in each of people, activity and transactions. `_first_repeats` is the exact-duplicate rule that
the activity and the transactions recounts share.
"""

from __future__ import annotations

import numpy as np

# Defects. Rates are per line (transactions), per invoice (cancellations), per row (activity) or per person
# (customers). The manifest counts are recounted on the final tables with the first-match rules below;
# unmatched_cancellation and stock_write_off are not injected (every cancellation mirrors an earlier kept
# line, and returns are drawn on sales), but a sale of an invoice without a customer that is returned
# reads as a write-off, and the recount says how many of each there are.
TRANSACTION_RULES = (
    "malformed",
    "exact_duplicate",
    "non_product_code",
    "unmatched_cancellation",
    "cancellation_invoice",
    "stock_write_off",
    "return",
    "non_positive_price",
    "missing_customer",
    "unknown_customer",
)
ACTIVITY_RULES = ("malformed", "exact_duplicate", "unknown_customer")
CUSTOMER_DEFECTS = ("duplicate_person", "reused_ref")
DEFECT_RATES: dict[str, dict[str, float]] = {
    "transactions": {
        "malformed": 0.001,
        "exact_duplicate": 0.01,
        "cancellation_invoice": 0.02,
        "return": 0.005,
        "non_product_code": 0.015,
        "non_positive_price": 0.003,
        "missing_customer": 0.03,
        "unknown_customer": 0.002,
    },
    "activity": {"malformed": 0.001, "exact_duplicate": 0.005, "unknown_customer": 0.001},
    "customers": {"duplicate_person": 0.03, "reused_ref": 0.005},
}
NULL_EMAIL_RATE = 0.01


def _first_repeats(keys: list[np.ndarray]) -> np.ndarray:
    """True for each row equal (on all keys) to an earlier row: each extra copy counts once."""
    n = len(keys[0]) if keys else 0
    flags = np.zeros(n, dtype=bool)
    if n < 2:
        return flags
    order = np.lexsort([np.arange(n), *reversed(keys)])
    same = np.ones(n - 1, dtype=bool)
    for key in keys:
        k = key[order]
        same &= k[1:] == k[:-1]
    flags[order[1:][same]] = True
    return flags
