"""Daily product activity: the `activity` file, one row per person and active day, its defects injected and
recounted.

Generated in blocks of persons, so memory stays flat at any scale. Each block also carries its persons'
active-day counts, which both campaigns assign on: that is why activity is drawn before the campaigns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from earmark import contract
from earmark.simulate.archetypes import ACTIVE_P, EXTRA_SESSIONS, MINUTES_PER_SESSION, WEEKEND_FACTOR
from earmark.simulate.calendar import (
    ACTIVITY_DAYS,
    ACTIVITY_START,
    CALL_ACTIVITY_DAYS,
    CALL_AT,
    CHURN_DAYS,
    DAY,
    TREATED_AT,
)
from earmark.simulate.common import _S_ACTIVITY, _rng
from earmark.simulate.defects import ACTIVITY_RULES, DEFECT_RATES, _first_repeats
from earmark.simulate.people import _People

ACTIVITY_CHUNK = 40_000  # persons per activity chunk


@dataclass
class _ActivityChunk:
    """Activity rows of a block of persons (or of the unknown refs), defects injected."""

    person: np.ndarray  # true person of the row; -1 for unknown refs
    ref: np.ndarray  # index into ref_strings
    day: np.ndarray  # day index in the activity window
    sessions: np.ndarray
    sessions_null: np.ndarray
    actions: np.ndarray
    minutes10: np.ndarray  # active minutes in tenths (negative when malformed)
    persons: slice  # the persons the statistics below cover
    early: np.ndarray  # active days in the first 28 days of the window
    recent: np.ndarray  # active days in the 28 days before the campaign
    last: np.ndarray  # active days in the last CHURN_DAYS days of the window
    call_early: np.ndarray  # active days in the first CALL_ACTIVITY_DAYS days of the window
    call_recent: np.ndarray  # active days in the CALL_ACTIVITY_DAYS days before the call


def _activity_chunks(p: _People, seed: int) -> Iterator[_ActivityChunk]:
    days = np.arange(ACTIVITY_DAYS)
    weekday = (ACTIVITY_START // DAY + days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    day_factor = np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)
    treated_day = (TREATED_AT - ACTIVITY_START) // DAY
    call_day = (CALL_AT - ACTIVITY_START) // DAY
    starts = list(range(0, p.n, ACTIVITY_CHUNK))
    total = 0
    for number, start in enumerate(starts):
        rng = _rng(seed, _S_ACTIVITY, number)
        idx = np.arange(start, min(start + ACTIVITY_CHUNK, p.n))
        arch = p.arch[idx]
        first_day = -((ACTIVITY_START - p.signup[idx]) // DAY)  # first day whose midnight >= signup
        end_day = (p.stop[idx] - ACTIVITY_START) // DAY  # days end before the person stops
        base = np.minimum(ACTIVE_P[arch] * p.activity_mult[idx], 0.98)
        prob = base[:, None] * np.exp(-p.decay[idx][:, None] * days[None, :]) * day_factor[None, :]
        prob[(days[None, :] < first_day[:, None]) | (days[None, :] >= end_day[:, None])] = 0.0
        active = rng.random(prob.shape) < prob
        early = active[:, :28].sum(axis=1)
        recent = active[:, treated_day - 28 : treated_day].sum(axis=1)
        last = active[:, ACTIVITY_DAYS - CHURN_DAYS :].sum(axis=1)
        call_early = active[:, :CALL_ACTIVITY_DAYS].sum(axis=1)
        call_recent = active[:, call_day - CALL_ACTIVITY_DAYS : call_day].sum(axis=1)
        rows, day = np.nonzero(active)
        del prob, active
        person = idx[rows]
        a = arch[rows]
        sessions = 1 + rng.poisson(EXTRA_SESSIONS[a] * p.activity_mult[person])
        minutes = rng.gamma(2.0 * sessions, MINUTES_PER_SESSION[a] / 2.0)
        minutes10 = np.maximum(1, np.round(minutes * 10)).astype(np.int64)
        actions = rng.poisson(minutes10 / 10.0 * p.apm[person])
        ref = p.ref[person].copy()
        to_dup = (p.dup_ref[person] >= 0) & (ACTIVITY_START + day * DAY >= p.dup_signup[person])
        to_dup &= rng.random(len(rows)) < 0.5
        ref[to_dup] = p.dup_ref[person[to_dup]]
        person, ref, day, sessions, sessions_null, actions, minutes10 = _activity_defects(
            rng, person, ref, day.astype(np.int64), sessions, actions, minutes10
        )
        total += len(person)
        yield _ActivityChunk(
            person=person,
            ref=ref,
            day=day,
            sessions=sessions,
            sessions_null=sessions_null,
            actions=actions,
            minutes10=minutes10,
            persons=slice(int(idx[0]), int(idx[-1]) + 1),
            early=early,
            recent=recent,
            last=last,
            call_early=call_early,
            call_recent=call_recent,
        )

    # unknown refs: a few rows per ghost ref, unique (ref, day)
    rng = _rng(seed, _S_ACTIVITY, len(starts))
    n_rows = min(round(DEFECT_RATES["activity"]["unknown_customer"] * total), p.n_ghosts * ACTIVITY_DAYS)
    cells = np.sort(rng.choice(p.n_ghosts * ACTIVITY_DAYS, size=n_rows, replace=False))
    sessions = 1 + rng.poisson(1.0, n_rows)
    minutes10 = np.maximum(1, np.round(rng.gamma(2.0 * sessions, 9.0) * 10)).astype(np.int64)
    empty = np.zeros(0, dtype=np.int64)
    yield _ActivityChunk(
        person=np.full(n_rows, -1),
        ref=p.n_refs + cells // ACTIVITY_DAYS,
        day=cells % ACTIVITY_DAYS,
        sessions=sessions,
        sessions_null=np.zeros(n_rows, dtype=bool),
        actions=rng.poisson(minutes10 / 10.0 * 1.5),
        minutes10=minutes10,
        persons=slice(0, 0),
        early=empty,
        recent=empty,
        last=empty,
        call_early=empty,
        call_recent=empty,
    )


def _activity_defects(
    rng: np.random.Generator,
    person: np.ndarray,
    ref: np.ndarray,
    day: np.ndarray,
    sessions: np.ndarray,
    actions: np.ndarray,
    minutes10: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Malformed rows (null sessions or negative minutes), then exact copies of other rows (placed right
    after the original)."""
    rates = DEFECT_RATES["activity"]
    n = len(person)
    malformed = rng.random(n) < rates["malformed"]
    null_sessions = malformed & (rng.random(n) < 0.5)
    minutes10 = np.where(malformed & ~null_sessions, -minutes10, minutes10)
    copies = 1 + (~malformed & (rng.random(n) < rates["exact_duplicate"]))
    columns = (person, ref, day, sessions, null_sessions, actions, minutes10)
    return tuple(np.repeat(a, copies) for a in columns)


def _classify_activity(chunk: _ActivityChunk, n_refs: int) -> np.ndarray:
    """First matching rule per row (index into ACTIVITY_RULES; len(ACTIVITY_RULES) = kept)."""
    status = np.full(len(chunk.ref), len(ACTIVITY_RULES), dtype=np.int8)
    malformed = chunk.sessions_null | (chunk.minutes10 < 0)
    ok = np.flatnonzero(~malformed)
    duplicate = np.zeros(len(status), dtype=bool)
    duplicate[ok] = _first_repeats(
        [chunk.ref[ok], chunk.day[ok], chunk.sessions[ok], chunk.actions[ok], chunk.minutes10[ok]]
    )
    unknown = chunk.ref >= n_refs
    for rule, hit in reversed(list(enumerate([malformed, duplicate, unknown]))):
        status[hit] = rule
    return status


def _activity_table(p: _People, chunk: _ActivityChunk) -> pa.Table:
    return pa.Table.from_arrays(
        [
            p.ref_strings.take(pa.array(chunk.ref)),
            pa.array((ACTIVITY_START // DAY + chunk.day).astype(np.int32), type=pa.date32()),
            pa.array(chunk.sessions, type=pa.int64(), mask=chunk.sessions_null),
            pa.array(chunk.actions, type=pa.int64()),
            pa.array(chunk.minutes10 / 10.0, type=pa.float64()),
        ],
        schema=contract.arrow_schema(contract.ACTIVITY),
    )
