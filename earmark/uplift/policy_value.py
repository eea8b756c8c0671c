"""Doubly robust evidence a sceptic can check: average effects, policy values, learner choice and
effect groups, all from the AIPW pseudo-outcomes `phi` of `earmark.uplift.metalearners` (out of fold).

- `dr_average_effect`: mean(phi) with the influence-function interval mean +/- z sd(phi) / sqrt(n), the
  standard AIPW interval (no refit per replicate needed: phi already carries the correction term).
- `policy_contributions` / `bootstrap_total`: a policy's value on the logged campaign is the sum, over the
  rows it treats, of value x phi of the arm it gives, minus that arm's cost. Its interval is a percentile
  bootstrap that redraws whole clusters (accounts, the unit the policy acts on) with replacement.
- `compare_learners`: for each learner the doubly robust value of the policy "give each row the arm whose
  predicted net value (value x effect - cost) is highest, nothing when none is positive", with a paired
  bootstrap of its difference from the T-learner baseline; the mean predicted effect against the DR
  average-effect interval (the consistency check). `choose_learner` takes the highest policy value; the
  baseline keeps the job unless another learner beats it.
- `effect_groups`: sorted group average effects (Chernozhukov, Demirer, Duflo and Fernandez-Val): rows in
  quantile groups of their predicted effect, and per group the DR mean effect with its interval and its
  harm bound: the one-sided upper bound at HARM_EVIDENCE_LEVEL (95%), mean + 1.645 standard errors. When
  the harm bound is below zero, the evidence (not a noisy point estimate) says the treatment hurts the
  people the model puts there: "the effect is negative" is a one-sided claim, tested at the usual 5%.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from earmark.uplift.evaluation import CI_LEVEL, percentile_interval
from earmark.uplift.metalearners import BASELINE_LEARNER

# One-sided level of the evidence that an effect is negative (harm_bound) or positive (benefit_bound).
HARM_EVIDENCE_LEVEL = 0.95
# Effect groups hold at least this many rows with a known outcome, at most MAX_EFFECT_GROUPS of them.
MIN_GROUP_ROWS = 500
MAX_EFFECT_GROUPS = 10


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def dr_average_effect(phi: np.ndarray, level: float = CI_LEVEL) -> tuple[float, float, float]:
    """(estimate, ci_low, ci_high) of the average effect from pseudo-outcomes (NaN rows ignored)."""
    values = np.asarray(phi, dtype="float64")
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    half = _z(level) * float(values.std(ddof=1)) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def harm_bound(phi: np.ndarray, level: float = HARM_EVIDENCE_LEVEL) -> float:
    """One-sided upper bound of the average effect at `level` from pseudo-outcomes (NaN rows ignored):
    below zero, the data reject "no harm" at 1 - level."""
    # the one-sided bound at `level` is the upper end of the two-sided interval at 2 x level - 1
    return dr_average_effect(phi, 2.0 * level - 1.0)[2]


def benefit_bound(phi: np.ndarray, level: float = HARM_EVIDENCE_LEVEL) -> float:
    """One-sided lower bound of the average effect at `level` from pseudo-outcomes (NaN rows ignored):
    above zero, the data reject "no benefit" at 1 - level."""
    return dr_average_effect(phi, 2.0 * level - 1.0)[1]


def policy_contributions(
    phi: dict[str, np.ndarray],
    assigned: np.ndarray,
    value_per_outcome: float | np.ndarray,
    cost_per_arm: dict[str, float | np.ndarray],
    control_arm: str = "control",
) -> tuple[np.ndarray, np.ndarray]:
    """(incremental value, cost) per row of giving each row its `assigned` arm instead of control: value x
    phi of that arm, and its cost (a number, or one per row); 0 and 0 for rows assigned the control arm. A
    row whose outcome is unknown (phi NaN) adds its cost but no value. The value of an outcome: one number,
    or one per row (what a conversion of that row's customer is worth)."""
    assigned = np.asarray(assigned, dtype=object)
    value = np.zeros(len(assigned))
    cost = np.zeros(len(assigned))
    worth = _per_row(value_per_outcome, len(assigned))
    for arm, values in phi.items():
        rows = assigned == arm
        value[rows] = worth[rows] * np.nan_to_num(values[rows], nan=0.0)
        cost[rows] = _per_row(cost_per_arm[arm], len(assigned))[rows]
    unknown = [a for a in set(assigned) if a != control_arm and a not in phi]
    if unknown:
        raise ValueError(f"assigned arms {unknown} have no pseudo-outcomes")
    return value, cost


def bootstrap_total(
    contributions: np.ndarray,
    clusters: np.ndarray,
    n_boot: int,
    random_state: int,
    level: float = CI_LEVEL,
) -> tuple[float, float, float]:
    """(total, ci_low, ci_high): the sum of `contributions` (rows, or columns of a 2-D array summed per
    column) with a percentile bootstrap over clusters drawn with replacement (seeded)."""
    contributions = np.asarray(contributions, dtype="float64")
    codes, cluster_index = np.unique(np.asarray(clusters).astype(str), return_inverse=True)
    per_cluster = np.zeros((len(codes), *contributions.shape[1:]))
    np.add.at(per_cluster, cluster_index, contributions)
    total = per_cluster.sum(axis=0)
    rng = np.random.default_rng(random_state)
    draws = np.stack(
        [per_cluster[rng.integers(0, len(codes), len(codes))].sum(axis=0) for _ in range(n_boot)]
    )
    low, high = percentile_interval(draws, level)
    return total, low, high


def _per_row(cost: float | np.ndarray, n: int) -> np.ndarray:
    """A cost (or value) given as one number or one value per row, as one value per row."""
    return np.broadcast_to(np.asarray(cost, dtype="float64"), (n,))


def best_arm(
    effects: dict[str, np.ndarray],
    value_per_outcome: float | np.ndarray,
    cost_per_arm: dict[str, float | np.ndarray],
    control_arm: str,
) -> np.ndarray:
    """Per row the treatment arm with the highest predicted net value, the control arm when none is
    positive (ties: first arm in sorted order). Costs: one number per arm, or one value per row."""
    arms = sorted(effects)
    n = len(next(iter(effects.values())))
    net = np.column_stack([value_per_outcome * effects[a] - _per_row(cost_per_arm[a], n) for a in arms])
    best = np.argmax(net, axis=1)
    positive = net[np.arange(len(net)), best] > 0
    return np.where(positive, np.asarray(arms, dtype=object)[best], control_arm)


def compare_learners(
    effects: dict[str, dict[str, np.ndarray]],
    phi: dict[str, np.ndarray],
    clusters: np.ndarray,
    value_per_outcome: float | np.ndarray,
    cost_per_arm: dict[str, float | np.ndarray],
    control_arm: str = "control",
    n_boot: int = 200,
    random_state: int = 42,
    level: float = CI_LEVEL,
) -> pd.DataFrame:
    """One row per learner and treatment arm (see the module doc): learner, arm, mean_predicted_effect,
    dr_average_effect, dr_ci_low, dr_ci_high, dr_harm_bound and dr_benefit_bound (one-sided: `harm_bound`,
    `benefit_bound`), is_consistent (mean prediction inside the interval);
    per learner (repeated on its arm rows): rows_treated, policy_net_value, policy_ci_low,
    policy_ci_high, gain_over_baseline, gain_ci_low, gain_ci_high (paired: the same cluster draws for
    every learner), is_chosen."""
    names = list(effects)
    nets = []
    treated = []
    for name in names:
        assigned = best_arm(effects[name], value_per_outcome, cost_per_arm, control_arm)
        value, cost = policy_contributions(phi, assigned, value_per_outcome, cost_per_arm, control_arm)
        nets.append(value - cost)
        treated.append(int((assigned != control_arm).sum()))
    stacked = np.column_stack(nets)
    base = names.index(BASELINE_LEARNER) if BASELINE_LEARNER in names else 0
    gains = stacked - stacked[:, [base]]
    totals, lows, highs = bootstrap_total(np.hstack([stacked, gains]), clusters, n_boot, random_state, level)
    k = len(names)
    chosen = choose_learner(dict(zip(names, totals[:k], strict=True)))
    rows = []
    for i, name in enumerate(names):
        for arm in sorted(phi):
            estimate, low, high = dr_average_effect(phi[arm], level)
            mean_predicted = float(np.nanmean(effects[name][arm]))
            rows.append(
                {
                    "learner": name,
                    "arm": arm,
                    "mean_predicted_effect": mean_predicted,
                    "dr_average_effect": estimate,
                    "dr_ci_low": low,
                    "dr_ci_high": high,
                    "dr_harm_bound": harm_bound(phi[arm]),
                    "dr_benefit_bound": benefit_bound(phi[arm]),
                    "is_consistent": bool(low <= mean_predicted <= high),
                    "rows_treated": treated[i],
                    "policy_net_value": float(totals[i]),
                    "policy_ci_low": float(lows[i]),
                    "policy_ci_high": float(highs[i]),
                    "gain_over_baseline": float(totals[k + i]),
                    "gain_ci_low": float(lows[k + i]),
                    "gain_ci_high": float(highs[k + i]),
                    "is_chosen": name == chosen,
                }
            )
    return pd.DataFrame(rows)


def choose_learner(policy_values: dict[str, float]) -> str:
    """The learner with the highest doubly robust policy value; the baseline (T-learner) on a tie, so
    another learner is chosen only when it beats it."""
    best = max(policy_values.values())
    if policy_values.get(BASELINE_LEARNER) == best:
        return BASELINE_LEARNER
    return next(name for name, value in policy_values.items() if value == best)


def n_effect_groups(n_known: int) -> int:
    """Groups of at least MIN_GROUP_ROWS rows, between 1 and MAX_EFFECT_GROUPS."""
    return int(max(1, min(MAX_EFFECT_GROUPS, n_known // MIN_GROUP_ROWS)))


def effect_group_edges(predicted: np.ndarray, n_groups: int) -> np.ndarray:
    """Inner quantile edges of the predicted effect (n_groups - 1 values, ascending)."""
    if n_groups <= 1:
        return np.array([], dtype="float64")
    return np.quantile(np.asarray(predicted, dtype="float64"), np.arange(1, n_groups) / n_groups)


def effect_groups(
    predicted: np.ndarray, phi: np.ndarray, level: float = CI_LEVEL, n_groups: int | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """(groups, edges): per quantile group of `predicted` (group 1 = lowest predicted effect) rows,
    mean_predicted_effect, dr_effect, ci_low, ci_high, harm_bound, benefit_bound; and the inner edges, so
    rows outside the frame (today's customers) fall in a group by
    `np.searchsorted(edges, predicted, side='right') + 1`."""
    predicted = np.asarray(predicted, dtype="float64")
    phi = np.asarray(phi, dtype="float64")
    n_groups = n_groups or n_effect_groups(int((~np.isnan(phi)).sum()))
    edges = effect_group_edges(predicted, n_groups)
    group = np.searchsorted(edges, predicted, side="right") + 1
    rows = []
    for g in range(1, len(edges) + 2):
        members = group == g
        estimate, low, high = dr_average_effect(phi[members], level)
        rows.append(
            {
                "effect_group": g,
                "rows": int(members.sum()),
                "mean_predicted_effect": float(predicted[members].mean()) if members.any() else np.nan,
                "dr_effect": estimate,
                "ci_low": low,
                "ci_high": high,
                "harm_bound": harm_bound(phi[members]),
                "benefit_bound": benefit_bound(phi[members]),
            }
        )
    return pd.DataFrame(rows), edges
