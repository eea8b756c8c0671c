"""Did the uplift ranking find the people the treatment moves? Metrics on held-out (out-of-fold) scores.

Inputs everywhere: `uplift` (the predicted uplift used to rank, highest first), `treated` (bool: the row
was in a treatment arm), `y` (observed outcome) and optional `weights` (e.g. `ipw_weights` when
assignment was not randomised; otherwise every row weighs 1). Rows whose outcome is null are left out
(they cannot be evaluated), and n below counts the rows kept. Rows are ranked by predicted uplift,
highest first; rows with equal predicted uplift form one tie group, and curves run straight across a tie
group (the expected curve over the orders of its rows), so a constant prediction gives exactly the random
line. Below, for the top fraction f of the n rows, N_t(f) and N_c(f) are the weighted numbers of treated
and control rows and Y_t(f), Y_c(f) their weighted outcome sums (linear within a tie group).

- Qini curve (Radcliffe): incremental_gain(f) = Y_t(f) - Y_c(f) * N_t(f) / N_c(f), the extra outcomes
  among the treated of the top f over what the control rate of the top f predicts (0 while the top f has
  no treated or no control row). random_gain(f) = f * incremental_gain(1), the straight line to the
  overall gain.
- qini_coefficient = (1/n) * integral over f in [0, 1] of (incremental_gain(f) - random_gain(f)): the
  area between the model's Qini curve and the random line, divided by n. The area is in outcome units
  (e.g. conversions), so dividing by n gives outcomes per customer, comparable across campaign sizes;
  0 for a ranking no better than random, negative for one worse than random.
- auuc = integral over f in [0, 1] of (Y_t(f)/N_t(f) - Y_c(f)/N_c(f)) * f: the area under the uplift
  curve (observed treated-minus-control mean in the top f, times f); already per customer (f is a
  fraction). A random ranking scores about ate / 2.
- uplift_at(f): the observed treated-minus-control mean among the top f.
- deciles: decile 1 holds the highest-ranked tenth of rows (by position in the ranking; ties across a
  decile boundary are split in input order).

Intervals: 95% percentile intervals of a stratified bootstrap: each replicate redraws the treated rows
and the control rows separately, with replacement, keeping each group's size (so each replicate has as
many treated and control rows as the data); the ranking is the fixed predicted uplift, the weights are
held fixed (propensities are not refitted per replicate, which for IPW errs towards wider intervals).
Seeded: the same inputs give the same intervals.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_FRACTIONS: tuple[float, ...] = (0.1, 0.2, 0.3)
N_DECILES = 10
CI_LEVEL = 0.95


def _arrays(
    uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    u = np.asarray(uplift, dtype="float64").reshape(-1)
    t = np.asarray(treated).reshape(-1)
    if t.dtype != bool:
        if not np.isin(t, (0, 1)).all():
            raise ValueError("treated must be boolean or 0/1")
        t = t.astype(bool)
    yy = np.asarray(y, dtype="float64").reshape(-1)
    w = np.ones(len(u)) if weights is None else np.asarray(weights, dtype="float64").reshape(-1)
    if not (len(u) == len(t) == len(yy) == len(w)):
        raise ValueError("uplift, treated, y and weights must have the same length")
    known = ~np.isnan(yy)
    u, t, yy, w = u[known], t[known], yy[known], w[known]
    if np.isnan(u).any():
        raise ValueError("uplift must not be null where the outcome is known")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    if t.all() or not t.any():
        raise ValueError("evaluation needs both treated and control rows with a known outcome")
    return u, t, yy, w


def _block_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The sum of each block values[bounds[i]:bounds[i + 1]], added in row order as np.bincount adds
    (bit for bit; + 0.0 makes an all-zero block's -0.0 the 0.0 bincount gives), without its scatter."""
    out = np.zeros(len(bounds) - 1)
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        if end > start:
            out[i] = np.cumsum(values[start:end])[-1] + 0.0
    return out


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass
class _Ranked:
    """The rows in ranking order (highest predicted uplift first, stable), with tie groups and deciles."""

    order: np.ndarray
    u: np.ndarray
    t: np.ndarray
    y: np.ndarray
    w: np.ndarray
    group: np.ndarray  # tie group id per ranked row
    n_groups: int
    decile: np.ndarray  # 1..10 per ranked row
    unweighted: bool  # every weight is 1: the weighted masses are the counts themselves

    @property
    def strata(self) -> np.ndarray:
        """The treated flags in input order (of the rows kept): what the bootstrap stratifies on."""
        flags = np.empty_like(self.t)
        flags[self.order] = self.t
        return flags

    @classmethod
    def build(cls, uplift, treated, y, weights) -> _Ranked:
        u, t, yy, w = _arrays(uplift, treated, y, weights)
        order = np.argsort(-u, kind="stable")
        us = u[order]
        new_group = np.r_[True, us[1:] != us[:-1]]
        group = np.cumsum(new_group) - 1
        n = len(u)
        decile = 1 + (N_DECILES * np.arange(n)) // n
        unweighted = weights is None
        return cls(order, us, t[order], yy[order], w[order], group, int(group[-1]) + 1, decile, unweighted)

    @property
    def decile_bounds(self) -> np.ndarray:
        """Where each decile's rows start in the ranking, and where the last one ends."""
        return np.searchsorted(self.decile, np.arange(1, N_DECILES + 2))

    def masses(self, counts: np.ndarray | None) -> dict[str, np.ndarray]:
        """Per ranked row, given how often each row was drawn (None: once): pos (rows drawn), nt, nc
        (weighted), yt, yc (weighted outcome sums), rt, rc (unweighted counts). Computed once per
        replicate, for both the cumulative and the decile sums."""
        c = np.ones(len(self.u)) if counts is None else np.asarray(counts, dtype="float64")[self.order]
        rt, rc = c * self.t, c * ~self.t
        # c * 1.0 * t is c * t bit for bit: unweighted, the weighted masses are the same arrays
        wt, wc = (rt, rc) if self.unweighted else (c * self.w * self.t, c * self.w * ~self.t)
        return {"pos": c, "nt": wt, "nc": wc, "yt": wt * self.y, "yc": wc * self.y, "rt": rt, "rc": rc}

    def sums(self, masses: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Cumulative `masses` at the end of every tie group that has mass, preceded by the origin."""
        summed: dict[int, np.ndarray] = {}  # by array: unweighted, nt and rt are one array, summed once
        for values in masses.values():
            if id(values) not in summed:
                summed[id(values)] = np.bincount(self.group, weights=values, minlength=self.n_groups)
        per_group = {key: summed[id(values)] for key, values in masses.items()}
        has_mass = per_group["pos"] > 0
        return {key: np.r_[0.0, np.cumsum(values)[has_mass]] for key, values in per_group.items()}

    def at(self, s: dict[str, np.ndarray], fractions: np.ndarray) -> dict[str, np.ndarray]:
        """The cumulative sums at fractions of the rows (linear within a tie group)."""
        x = np.asarray(fractions, dtype="float64") * s["pos"][-1]
        return {key: np.interp(x, s["pos"], values) for key, values in s.items()}

    def decile_sums(self, masses: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """`masses` summed per decile of the ranking: n, rt, rc, nt, nc, yt, yc and u (predicted uplift)."""
        parts = {"n": masses["pos"], **{key: masses[key] for key in ("rt", "rc", "nt", "nc", "yt", "yc")}}
        parts["u"] = masses["pos"] * self.u
        bounds = self.decile_bounds
        summed: dict[int, np.ndarray] = {}
        for values in parts.values():
            if id(values) not in summed:
                summed[id(values)] = _block_sums(values, bounds)
        return {key: summed[id(values)] for key, values in parts.items()}


def _gain(s: dict[str, np.ndarray]) -> np.ndarray:
    ok = (s["nt"] > 0) & (s["nc"] > 0)
    return np.where(ok, s["yt"] - s["yc"] * _safe_ratio(s["nt"], s["nc"]), 0.0)


def _lift(s: dict[str, np.ndarray]) -> np.ndarray:
    ok = (s["nt"] > 0) & (s["nc"] > 0)
    return np.where(ok, _safe_ratio(s["yt"], s["nt"]) - _safe_ratio(s["yc"], s["nc"]), 0.0)


def _area(x: np.ndarray, values: np.ndarray) -> float:
    """Trapezoid area of a piecewise linear curve (exact for it)."""
    return float(np.sum(np.diff(x) * (values[1:] + values[:-1]) / 2.0))


def _qini_coefficient(s: dict[str, np.ndarray]) -> float:
    n = s["pos"][-1]
    f = s["pos"] / n
    gain = _gain(s)
    return (_area(f, gain) - gain[-1] / 2.0) / n


def _auuc(s: dict[str, np.ndarray]) -> float:
    f = s["pos"] / s["pos"][-1]
    return _area(f, _lift(s) * f)


def _uplift_at(ranked: _Ranked, s: dict[str, np.ndarray], fractions) -> np.ndarray:
    return _lift(ranked.at(s, fractions))


def _ate(s: dict[str, np.ndarray]) -> float:
    return float(s["yt"][-1] / s["nt"][-1] - s["yc"][-1] / s["nc"][-1])


def _grid(n_points: int) -> np.ndarray:
    if n_points < 2:
        raise ValueError("n_points must be >= 2")
    return np.linspace(0.0, 1.0, n_points)


def qini_curve(
    uplift: np.ndarray,
    treated: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    n_points: int = 101,
) -> pd.DataFrame:
    """The Qini curve at `n_points` evenly spaced fractions 0..1: fraction_targeted, n_targeted (rows,
    rounded), incremental_gain and random_gain (see the module doc)."""
    ranked = _Ranked.build(uplift, treated, y, weights)
    s = ranked.sums(ranked.masses(None))
    grid = _grid(n_points)
    gain = _gain(ranked.at(s, grid))
    return pd.DataFrame(
        {
            "fraction_targeted": grid,
            "n_targeted": np.rint(grid * len(ranked.u)).astype("int64"),
            "incremental_gain": gain,
            "random_gain": grid * _gain(s)[-1],
        }
    )


def qini_coefficient(
    uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Area between the Qini curve and the random line, divided by n (outcomes per customer; see the
    module doc). Computed on the exact curve (every tie group), not on a grid."""
    ranked = _Ranked.build(uplift, treated, y, weights)
    return _qini_coefficient(ranked.sums(ranked.masses(None)))


def auuc(uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Area under the uplift curve (observed treated-minus-control mean of the top f, times f), over
    f in [0, 1]; per customer by construction (see the module doc)."""
    ranked = _Ranked.build(uplift, treated, y, weights)
    return _auuc(ranked.sums(ranked.masses(None)))


def uplift_at(
    uplift: np.ndarray,
    treated: np.ndarray,
    y: np.ndarray,
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Observed treated-minus-control mean among the top `fractions` by predicted uplift: fraction,
    n_targeted, n_treated, n_control (rows; rounded when a tie group straddles the cut), treated_rate,
    control_rate (weighted mean outcomes; rates for a binary outcome), uplift (their difference; NaN when
    the top fraction has no treated or no control row)."""
    ranked = _Ranked.build(uplift, treated, y, weights)
    fr = np.asarray(fractions, dtype="float64")
    if ((fr <= 0) | (fr > 1)).any():
        raise ValueError("fractions must be in (0, 1]")
    a = ranked.at(ranked.sums(ranked.masses(None)), fr)
    treated_rate = _safe_ratio(a["yt"], a["nt"])
    control_rate = _safe_ratio(a["yc"], a["nc"])
    return pd.DataFrame(
        {
            "fraction": fr,
            "n_targeted": np.rint(a["pos"]).astype("int64"),
            "n_treated": np.rint(a["rt"]).astype("int64"),
            "n_control": np.rint(a["rc"]).astype("int64"),
            "treated_rate": treated_rate,
            "control_rate": control_rate,
            "uplift": treated_rate - control_rate,
        }
    )


def _decile_table(d: dict[str, np.ndarray]) -> pd.DataFrame:
    treated_rate = _safe_ratio(d["yt"], d["nt"])
    control_rate = _safe_ratio(d["yc"], d["nc"])
    return pd.DataFrame(
        {
            "decile": np.arange(1, N_DECILES + 1, dtype="int64"),
            "n": np.rint(d["n"]).astype("int64"),
            "n_treated": np.rint(d["rt"]).astype("int64"),
            "n_control": np.rint(d["rc"]).astype("int64"),
            "mean_predicted_uplift": _safe_ratio(d["u"], d["n"]),
            "treated_rate": treated_rate,
            "control_rate": control_rate,
            "observed_uplift": treated_rate - control_rate,
        }
    )


def uplift_by_decile(
    uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per decile of predicted uplift (decile 1 = highest): decile, n, n_treated, n_control,
    mean_predicted_uplift, treated_rate, control_rate (weighted mean outcomes), observed_uplift."""
    ranked = _Ranked.build(uplift, treated, y, weights)
    return _decile_table(ranked.decile_sums(ranked.masses(None)))


def bootstrap(
    fn: Callable[[np.ndarray], object],
    n_boot: int = 200,
    random_state: int = 42,
    *,
    strata: np.ndarray,
) -> np.ndarray:
    """Stratified bootstrap replicates of a statistic.

    Each replicate draws, within every stratum (distinct value of `strata`, e.g. the treated flag), as
    many rows as the stratum has, with replacement, and calls fn(counts): counts[i] is how many times row
    i was drawn (a float array in the original row order; a statistic reads it as frequency weights).
    Returns an array of shape (n_boot, *shape of fn's value). Replicate b uses its own seed spawned from
    `random_state`, so results do not depend on anything but the inputs.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    strata = np.asarray(strata)
    members = [np.flatnonzero(strata == value) for value in np.unique(strata)]
    counts = np.zeros(len(strata), dtype="float64")
    replicates = []
    for child in np.random.SeedSequence(random_state).spawn(n_boot):
        rng = np.random.default_rng(child)
        for rows in members:
            counts[rows] = np.bincount(rng.integers(0, len(rows), size=len(rows)), minlength=len(rows))
        replicates.append(np.asarray(fn(counts.copy()), dtype="float64"))
    return np.stack(replicates)


def percentile_interval(replicates: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) percentile interval of bootstrap replicates along axis 0 (NaN replicates ignored)."""
    alpha = (1.0 - level) / 2.0
    with np.errstate(all="ignore"):
        low, high = np.nanquantile(replicates, [alpha, 1.0 - alpha], axis=0)
    return low, high


def average_treatment_effect(
    treated: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    n_boot: int = 1000,
    random_state: int = 42,
) -> tuple[float, float, float]:
    """(estimate, ci_low, ci_high): the difference between the (weighted) mean outcome of treated and
    control rows, with a 95% stratified percentile bootstrap interval. Unweighted, it is the causal
    effect only under randomised assignment; with `ipw_weights` it is the Hajek IPW estimate."""
    ranked = _Ranked.build(np.zeros(len(np.asarray(y))), treated, y, weights)

    def stat(counts: np.ndarray | None) -> float:
        return _ate(ranked.sums(ranked.masses(counts)))

    replicates = bootstrap(stat, n_boot, random_state, strata=ranked.strata)
    low, high = percentile_interval(replicates)
    return stat(None), float(low), float(high)


def evaluate_uplift(
    uplift: np.ndarray,
    treated: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    n_boot: int = 200,
    random_state: int = 42,
    n_points: int = 101,
    level: float = CI_LEVEL,
) -> dict[str, pd.DataFrame]:
    """Every metric with a stratified bootstrap interval (one set of replicates for all of them).

    Returns a dict of frames:
    - summary: metric ('qini_coefficient', 'auuc', 'uplift_at_10', 'uplift_at_20', 'uplift_at_30',
      'ate'), value, ci_low, ci_high;
    - curve: the `qini_curve` columns plus ci_low, ci_high of incremental_gain at each point;
    - deciles: the `uplift_by_decile` columns plus ci_low, ci_high of observed_uplift.
    """
    ranked = _Ranked.build(uplift, treated, y, weights)
    grid = _grid(n_points)
    fractions = np.asarray(DEFAULT_FRACTIONS)

    def stat(counts: np.ndarray | None) -> np.ndarray:
        masses = ranked.masses(counts)
        s = ranked.sums(masses)
        d = ranked.decile_sums(masses)
        head = [_qini_coefficient(s), _auuc(s), *_uplift_at(ranked, s, fractions), _ate(s)]
        deciles = _safe_ratio(d["yt"], d["nt"]) - _safe_ratio(d["yc"], d["nc"])
        return np.concatenate([head, _gain(ranked.at(s, grid)), deciles])

    point = stat(None)
    replicates = bootstrap(stat, n_boot, random_state, strata=ranked.strata)
    low, high = percentile_interval(replicates, level)
    names = ["qini_coefficient", "auuc", *[f"uplift_at_{round(f * 100)}" for f in fractions], "ate"]
    k = len(names)
    summary = pd.DataFrame({"metric": names, "value": point[:k], "ci_low": low[:k], "ci_high": high[:k]})
    s = ranked.sums(ranked.masses(None))
    curve = pd.DataFrame(
        {
            "fraction_targeted": grid,
            "n_targeted": np.rint(grid * len(ranked.u)).astype("int64"),
            "incremental_gain": point[k : k + n_points],
            "random_gain": grid * _gain(s)[-1],
            "ci_low": low[k : k + n_points],
            "ci_high": high[k : k + n_points],
        }
    )
    deciles = _decile_table(ranked.decile_sums(ranked.masses(None)))
    deciles["ci_low"] = low[k + n_points :]
    deciles["ci_high"] = high[k + n_points :]
    return {"summary": summary, "curve": curve, "deciles": deciles}
