"""Churn: who is likely to leave, how well the model ranks them, and why (SHAP drivers in plain words).

Pure functions on arrays and frames:

1. `model.py`: the seeded gradient boosting classifier, its out-of-fold scores with folds by account,
   AUC and the gains table by decile.
2. `explain.py`: SHAP values of a tree model (shap's TreeSHAP, once per route through each tree), each
   row's and each group's top drivers, and a gradient boosting surrogate of another model's scores with its
   out-of-fold fidelity (R^2).
3. `labels.py`: plain words for the covariates, in one place.

Churn risk is not a reason to act: what a contact changes is (the uplift models).
"""

from earmark.churn.explain import (
    TOP_DRIVERS,
    fit_surrogate,
    group_drivers,
    make_surrogate,
    shap_values,
    surrogate_fidelity,
    top_drivers,
)
from earmark.churn.labels import LABELS, describe, phrase
from earmark.churn.model import (
    GAINS_COLUMNS,
    auc,
    gains_table,
    make_classifier,
    not_estimable_reason,
    out_of_fold_scores,
)

__all__ = [
    "GAINS_COLUMNS",
    "LABELS",
    "TOP_DRIVERS",
    "auc",
    "describe",
    "fit_surrogate",
    "gains_table",
    "group_drivers",
    "make_classifier",
    "make_surrogate",
    "not_estimable_reason",
    "out_of_fold_scores",
    "phrase",
    "shap_values",
    "surrogate_fidelity",
    "top_drivers",
]
