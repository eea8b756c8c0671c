"""The churn classifier, its out-of-fold scores and how well they rank: AUC and the gains table.

Folds are drawn by group (an account's users share one fold: StratifiedGroupKFold, seeded), so a score is
always made by a model that saw nobody of the customer's account. Callers put rows in a key order first,
so nothing depends on where a row sat in the input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from earmark.parallel import jobs_for, run_tasks
from earmark.uplift.learners import make_learner, subsample
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS

GAINS_COLUMNS: dict[str, str] = {
    "decile": "int64",
    "customers": "int64",
    "churners": "int64",
    "churn_rate": "float64",
    "min_score": "float64",
    "max_score": "float64",
    "cumulative_customers": "int64",
    "cumulative_churners": "int64",
    "cumulative_churner_share": "float64",
    "lift": "float64",
    "cumulative_lift": "float64",
}


def make_classifier(random_state: int) -> HistGradientBoostingClassifier:
    """Gradient boosting exactly as the uplift learners set it (earmark.uplift.learners.make_learner)."""
    return make_learner("hist_gradient_boosting", "binary", random_state)


def not_estimable_reason(y: np.ndarray, groups: np.ndarray, n_folds: int) -> str | None:
    """Why out-of-fold churn scores cannot be made, or None: too few rows, groups or churners."""
    y = np.asarray(y, dtype=bool)
    if len(y) == 0:
        return "no campaign rows with a churn label"
    minority = int(min(y.sum(), (~y).sum()))
    if minority < n_folds:
        return f"fewer than {n_folds} churners or non-churners among {len(y)} labelled rows"
    if len(np.unique(groups)) < n_folds:
        return f"fewer than {n_folds} accounts to draw folds from"
    return None


def _fold_scores(
    X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, random_state: int
) -> np.ndarray:
    """P(churn) of one fold's rows from a classifier of the other folds' rows."""
    return make_classifier(random_state).fit(X[train], y[train]).predict_proba(X[test])[:, 1]


def out_of_fold_scores(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    n_folds: int,
    random_state: int,
    n_jobs: int | None = None,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
) -> tuple[np.ndarray, np.ndarray]:
    """(P(churn) of each row from the fold model that did not see its group, the row's fold 0..n-1). A
    fold's model trains on at most `max_train_rows` of the other folds' rows (a seeded sample above that,
    as the uplift models' fits do). The folds are fitted in up to `n_jobs` worker processes (None:
    earmark.parallel.jobs_for), with the same result whatever their number."""
    y = np.asarray(y, dtype=int)
    scores = np.full(len(y), np.nan)
    folds = np.full(len(y), -1, dtype="int64")
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    splits = list(splitter.split(X, y, groups))
    tasks = [
        (_fold_scores, (X, y, subsample(train, max_train_rows, [random_state, fold]), test, random_state))
        for fold, (train, test) in enumerate(splits)
    ]
    for fold, ((_, test), predicted) in enumerate(
        zip(splits, run_tasks(tasks, jobs_for(len(y), n_jobs)), strict=True)
    ):
        scores[test] = predicted
        folds[test] = fold
    return scores, folds


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (NaN with a single class)."""
    y = np.asarray(y, dtype=int)
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else float("nan")


def gains_table(scores: np.ndarray, y: np.ndarray, keys: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Rows ranked by score, highest first (ties by key), cut into n_bins near-equal bins (decile 1: the
    highest scores): customers, churners and churn rate per bin, the cumulative share of all churners
    captured, and lift (the bin's churn rate over the base rate; cumulative: up to the bin)."""
    y = np.asarray(y, dtype=int)
    if len(y) == 0:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in GAINS_COLUMNS.items()})
    order = np.lexsort((np.asarray(keys, dtype=str), -np.asarray(scores, dtype=float)))
    bins = np.array_split(order, min(n_bins, len(y)))
    base = y.mean()
    rows, seen, caught = [], 0, 0
    for decile, rows_in in enumerate(bins, start=1):
        churners = int(y[rows_in].sum())
        seen, caught = seen + len(rows_in), caught + churners
        rate = churners / len(rows_in)
        rows.append(
            {
                "decile": decile,
                "customers": len(rows_in),
                "churners": churners,
                "churn_rate": rate,
                "min_score": float(scores[rows_in].min()),
                "max_score": float(scores[rows_in].max()),
                "cumulative_customers": seen,
                "cumulative_churners": caught,
                "cumulative_churner_share": caught / y.sum() if y.sum() else float("nan"),
                "lift": rate / base if base else float("nan"),
                "cumulative_lift": (caught / seen) / base if base else float("nan"),
            }
        )
    return pd.DataFrame(rows).astype(GAINS_COLUMNS)
