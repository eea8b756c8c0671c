"""Why a tree model scored a row as it did: SHAP values (shap.TreeExplainer, exact for trees, additive:
a row's contributions sum to its score minus the average score, in the model's raw units: log-odds for
the churn classifier, uplift for the surrogate), the top drivers of each row or group, and a gradient
boosting surrogate of another model's scores with its fidelity (R^2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold

from earmark.churn.labels import phrase
from earmark.parallel import jobs_for, run_tasks
from earmark.uplift.learners import make_learner, subsample
from earmark.uplift.tlearner import DEFAULT_MAX_TRAIN_ROWS

TOP_DRIVERS = 3


# what shap's single-tree dict model reads from each of its trees (shap.explainers._tree.SingleTree)
_TREE_FIELDS = (
    "children_left",
    "children_right",
    "children_default",
    "features",
    "thresholds",
    "values",
    "node_sample_weight",
)


def shap_values(model: BaseEstimator, X: np.ndarray) -> np.ndarray:
    """One SHAP value per row and matrix column (a two-class classifier: of class 1, in log-odds).

    shap's exact (path-dependent) TreeSHAP, one tree at a time and once per distinct route through it:
    a tree's SHAP values for a row depend on the row only through which way it goes at each of the tree's
    splits (missing values: the split's default way), so rows that go the same way at every split get
    the same values, and the ensemble's are the sum over its trees. A tree of 15 leaves sees a few
    hundred routes among tens of thousands of rows, so this does the same arithmetic several times less
    often (equal to shap on the whole ensemble within float rounding; tests/python/test_churn.py).
    A tree gives exactly zero to the columns it does not split on, so only its split columns are added."""
    import shap  # imported on use: numba's start-up is paid only by the models that explain

    explainer = shap.TreeExplainer(model)
    trees = explainer.model.trees
    if any(np.asarray(tree.values).shape[1] != 1 for tree in trees):
        # trees with several outputs (a multi-class model): the whole-ensemble call handles them
        values = np.asarray(explainer.shap_values(X), dtype="float64")
        return values[..., 1] if values.ndim == 3 else values
    # column-major: a split reads one contiguous column, and a tree adds to whole columns
    X = np.asfortranarray(X, dtype="float64")
    total = np.zeros(X.shape, dtype="float64", order="F")
    for tree in trees:
        splits = np.flatnonzero(tree.children_left >= 0)
        if len(splits) == 0:
            continue  # a single leaf moves no row away from the average: all its values are zero
        route, first = _routes(X, tree, splits)
        single = shap.TreeExplainer({"trees": [{field: getattr(tree, field) for field in _TREE_FIELDS}]})
        values = np.asarray(single.shap_values(X[first], check_additivity=False), dtype="float64")
        for column in np.unique(tree.features[splits]):
            total[:, column] += np.ascontiguousarray(values[:, column])[route]
    return total


# up to this many splits a tree's route keys index a lookup table (2**20 entries), which is faster than
# sorting them
_TABLE_ROUTE_BITS = 20


def _routes(X: np.ndarray, tree: Any, splits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of X, the number of its route through `tree` (0 to r-1, in the order of the route keys),
    and the first row of each route."""
    n = len(X)
    goes_left = np.empty((len(splits), n), dtype=bool)
    for i, node in enumerate(splits):
        column = X[:, tree.features[node]]
        np.less_equal(column, tree.thresholds[node], out=goes_left[i])  # a missing value compares False
        if tree.children_default[node] == tree.children_left[node]:
            goes_left[i] |= np.isnan(column)
    if len(splits) > 62:  # the keys no longer fit one integer: sort their packed bytes
        _, first, route = np.unique(_route_keys(goes_left.T), return_index=True, return_inverse=True)
        return route, first
    key = np.zeros(n, dtype=np.int64)
    for i in range(len(splits)):
        key |= goes_left[i].astype(np.int64) << i
    if len(splits) > _TABLE_ROUTE_BITS:
        _, first, route = np.unique(key, return_index=True, return_inverse=True)
        return route, first
    seen = np.zeros(1 << len(splits), dtype=bool)
    seen[key] = True
    route = (np.cumsum(seen) - 1)[key]
    first = np.full(int(seen.sum()), n, dtype=np.int64)
    np.minimum.at(first, route, np.arange(n))
    return route, first


def _route_keys(goes_left: np.ndarray) -> np.ndarray:
    """One sortable key per row of a boolean (rows x splits) matrix: its bits packed as raw bytes."""
    packed = np.packbits(goes_left, axis=1)
    return np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()


def top_drivers(
    contributions: np.ndarray,
    values: np.ndarray,
    names: list[str],
    typical: np.ndarray,
    outcome: str,
    k: int = TOP_DRIVERS,
) -> pd.DataFrame:
    """Per row, its k largest contributions by absolute size (ties: the matrix column order), as columns
    driver_<i>_feature, _value, _contribution and _phrase (null where a row has fewer columns than k)."""
    n, width = contributions.shape
    # mergesort keeps the column order among equal sizes, so ties do not depend on the sort's whims
    ranked = np.argsort(-np.abs(contributions), axis=1, kind="mergesort")[:, : min(k, width)]
    out = {}
    for i in range(k):
        has = i < ranked.shape[1]
        column = ranked[:, i] if has else np.zeros(n, dtype=int)
        rows = np.arange(n)
        value = values[rows, column] if has else np.full(n, np.nan)
        contribution = contributions[rows, column] if has else np.full(n, np.nan)
        out[f"driver_{i + 1}_feature"] = [names[c] if has else None for c in column]
        out[f"driver_{i + 1}_value"] = value
        out[f"driver_{i + 1}_contribution"] = contribution
        out[f"driver_{i + 1}_phrase"] = [
            phrase(names[c], v, typical[c], s, outcome) if has else None
            for c, v, s in zip(column, value, contribution, strict=True)
        ]
    return pd.DataFrame(out)


def make_surrogate(random_state: int) -> HistGradientBoostingRegressor:
    """The regressor that mimics another model's scores: the uplift learners' gradient boosting
    (earmark.uplift.learners.make_learner), as a regressor."""
    return make_learner("hist_gradient_boosting", "continuous", random_state)


def _surrogate_predictions(
    X: np.ndarray, target: np.ndarray, train: np.ndarray, test: np.ndarray | None, random_state: int
) -> np.ndarray | BaseEstimator:
    """A surrogate fit on the `train` rows: its predictions of the `test` rows, or itself without them."""
    model = make_surrogate(random_state).fit(X[train], target[train])
    return model if test is None else model.predict(X[test])


def fit_surrogate(
    X: np.ndarray,
    target: np.ndarray,
    groups: np.ndarray,
    n_folds: int,
    random_state: int,
    n_jobs: int | None = None,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
) -> tuple[BaseEstimator, float]:
    """The surrogate fitted on all rows (or a sample: below), and its out-of-fold R^2 against the scores
    it mimics, folds by group: how much of the scores' variation it reproduces on accounts it did not
    see (NaN when that cannot be measured). Each fit trains on at most `max_train_rows` of its rows (a
    seeded sample above that, as the uplift models' fits do), while every row is predicted and
    explained. The fold fits and the final one run in up to `n_jobs` worker processes (None:
    earmark.parallel.jobs_for), with the same result whatever their number."""
    folds = min(n_folds, len(np.unique(groups)))
    measurable = folds >= 2 and np.ptp(target) > 0
    splits = list(GroupKFold(n_splits=folds).split(X, target, groups)) if measurable else []
    final_rows = subsample(np.arange(len(target)), max_train_rows, [random_state])
    tasks = [(_surrogate_predictions, (X, target, final_rows, None, random_state))]
    tasks += [
        (
            _surrogate_predictions,
            (X, target, subsample(train, max_train_rows, [random_state, fold]), test, random_state),
        )
        for fold, (train, test) in enumerate(splits)
    ]
    model, *fold_predictions = run_tasks(tasks, jobs_for(len(target), n_jobs))
    if not measurable:
        return model, float("nan")
    predicted = np.empty(len(target))
    for (_, test), values in zip(splits, fold_predictions, strict=True):
        predicted[test] = values
    return model, float(r2_score(target, predicted))


def surrogate_fidelity(
    X: np.ndarray, target: np.ndarray, groups: np.ndarray, n_folds: int, random_state: int
) -> float:
    """The out-of-fold R^2 of `fit_surrogate` alone."""
    return fit_surrogate(X, target, groups, n_folds, random_state)[1]


def group_drivers(
    contributions: np.ndarray,
    values: np.ndarray,
    groups: np.ndarray,
    names: list[str],
    typical: np.ndarray,
    outcome: str,
    k: int = TOP_DRIVERS,
) -> pd.DataFrame:
    """Per group (sorted), its k largest mean contributions by absolute size over its rows, with the
    group's mean value of the column: columns group, rank, feature, mean_value, mean_contribution, phrase."""
    frame = pd.DataFrame(contributions, columns=names).assign(_group=groups)
    means = frame.groupby("_group", sort=True).mean()
    mean_values = (
        pd.DataFrame(values, columns=names).assign(_group=groups).groupby("_group", sort=True).mean()
    )
    sizes = means.to_numpy("float64")
    # per group, its columns by absolute mean contribution (mergesort: ties keep the column order)
    ranked = np.argsort(-np.abs(sizes), axis=1, kind="mergesort")[:, :k]
    top = ranked.shape[1]
    row = np.repeat(np.arange(len(means)), top)
    column = ranked.ravel()
    value = mean_values.to_numpy("float64")[row, column]
    size = sizes[row, column]
    return pd.DataFrame(
        {
            "group": means.index.to_numpy()[row],
            "rank": np.tile(np.arange(1, top + 1), len(means)),
            "feature": [names[c] for c in column],
            "mean_value": value,
            "mean_contribution": size,
            "phrase": [
                phrase(names[c], v, typical[c], s, outcome)
                for c, v, s in zip(column, value, size, strict=True)
            ],
        },
        columns=["group", "rank", "feature", "mean_value", "mean_contribution", "phrase"],
    )
