"""The demo world: a seeded simulator of a B2B company, its accounts, users, order book and past campaigns.

`simulate_world` writes the raw input contract (customers, accounts, transactions, activity, treatments,
outcomes) plus the audit-only truth files and a `manifest.json`. Every person has a hidden archetype that
drives their activity, purchases and reaction to each campaign: an automated nudge assigned with a bias
towards already unhappy users, and an earlier customer-success call campaign whose account managers chose
large and declining accounts (its rows append after the nudge's, from a random stream of their own).
Defects are injected at stated rates and then counted on the final tables with the same first-match rules
the pipeline applies, so the manifest can be recovered exactly.

Everything is vectorised with numpy and drawn from `numpy.random.default_rng` streams derived from the
seed, so the same seed and scale give identical files. The rules are described in `docs/demo_world.md`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from earmark import contract
from earmark.simulate.archetypes import (
    ACTIONS_PER_MINUTE,
    ACTIVE_P,
    ADMIN_SHARES,
    ARCHETYPES,
    EXTRA_ADMIN_RATE,
    EXTRA_LINES,
    EXTRA_SESSIONS,
    INVOICES_PER_YEAR,
    LOST_CAUSE,
    LOST_CAUSE_STOP_DAYS,
    MINUTES_PER_SESSION,
    P_CONTROL,
    PERSUADABLE,
    PERSUADABLE_WEEKLY_DECLINE,
    SHARES,
    SLEEPING_DOG,
    UPLIFT,
    WEEKEND_FACTOR,
)
from earmark.simulate.calendar import (
    ACCOUNTS_FROM,
    ACCOUNTS_TO,
    ACTIVITY_DAYS,
    ACTIVITY_START,
    CALL_ACTIVITY_DAYS,
    CALL_AT,
    CALL_CAMPAIGN_ID,
    CALL_END,
    CALL_SIGNUP_BY,
    CALL_WINDOW_DAYS,
    CAMPAIGN_ID,
    CHURN_DAYS,
    DAY,
    ELIGIBLE_SIGNUP_BY,
    FAR_FUTURE,
    LAST_SIGNUP,
    OUTCOME_END,
    OUTCOME_WINDOW_DAYS,
    REUSE_STOPPED_BY,
    TREATED_AT,
    TX_END,
    TX_START,
    _iso,
)
from earmark.simulate.catalogue import (
    N_PRODUCTS,
    NON_PRODUCT,
    NON_PRODUCT_CODES,
    NON_PRODUCT_WEIGHTS,
    _catalogue,
)
from earmark.simulate.common import (
    _S_ACTIVITY,
    _S_CALL,
    _S_CAMPAIGN,
    _S_PEOPLE,
    _S_TRANSACTIONS,
    _categorical,
    _ids,
    _rng,
    _timestamps,
    _write,
)
from earmark.simulate.defects import (
    ACTIVITY_RULES,
    DEFECT_RATES,
    NULL_EMAIL_RATE,
    TRANSACTION_RULES,
    _first_repeats,
)
from earmark.simulate.emails import (
    DOMAIN_HEADS,
    DOMAIN_TAILS,
    EMAIL_TAGS,
    FIRST_NAMES,
    LAST_NAMES,
    _email_variant,
)

# Campaign assignment: propensity from pre-campaign activity (active days in the 28 days before the
# campaign, against the first 28 days of the activity window).
PROPENSITY_BASE, PROPENSITY_SPAN = 0.12, 0.63
INELIGIBLE_RATE = 0.05
EMAIL_CHANNEL_SHARE = 0.6

# The call campaign. Account managers chose accounts: propensity = base + size weight * size_score + decline
# weight * decline_score, where size_score = clip(log(users / 2) / log(50 / 2), 0, 1) and decline_score =
# clip((1 - ratio) / 0.5, 0, 1), ratio = (active days of the account's listed users in the 21 days before the
# call + 1) / (their active days in the first 21 days of the activity window + 1).
CALL_PROPENSITY_BASE, CALL_SIZE_WEIGHT, CALL_DECLINE_WEIGHT = 0.05, 0.35, 0.40
CALL_SIZE_FULL = 50  # users at which size_score reaches 1 (2 users: 0)
CALL_DECLINE_FULL = 0.5  # drop in the activity ratio at which decline_score reaches 1
# The call's effect per archetype (uniform range), persuadables gaining a further bonus * size_score and bonus
# * decline_score; in an account with a sleeping-dog admin every user's effect is min(effect, 0) + annoyance.
CALL_UPLIFT = np.array([[0.05, 0.15], [-0.20, -0.08], [-0.02, 0.02], [-0.005, 0.005]])
CALL_PERSUADABLE_SIZE_BONUS, CALL_PERSUADABLE_DECLINE_BONUS = 0.10, 0.10
CALL_ANNOYED_ADMIN = (-0.15, -0.05)

COUNTRIES = ("United Kingdom", "Germany", "France", "Netherlands", "United States", "Spain", "Sweden")
COUNTRY_SHARES = np.array([0.35, 0.18, 0.12, 0.10, 0.15, 0.06, 0.04])
COUNTRY_TLD = ("co.uk", "de", "fr", "nl", "com", "es", "se")
PLANS = ("starter", "growth", "enterprise")
SEAT_PRICE = np.array([180.0, 420.0, 780.0])
CONVERSION_VALUE = np.array([150.0, 400.0, 1200.0])  # mean revenue of a conversion, by plan
INDUSTRIES = ("software", "retail", "manufacturing", "healthcare", "finance", "education", "logistics")
JOB_LEVELS = ("individual", "senior", "manager", "director", "executive")
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1000+")

PREMIUM_RATE = 0.10

FIRST_INVOICE_NUMBER = 536_365


ACTIVITY_CHUNK = 40_000  # persons per activity chunk
WRITE_CHUNK = 1_000_000  # transaction lines per Parquet write


# ---------------------------------------------------------------------------------------------------------
# Accounts and persons


@dataclass
class _People:
    """Accounts, persons and customer records, as numpy arrays (the hidden truth included)."""

    # accounts
    n_accounts: int
    acc_size: np.ndarray
    acc_plan: np.ndarray
    acc_seats: np.ndarray
    acc_value: np.ndarray
    acc_created: np.ndarray
    acc_country: np.ndarray
    acc_industry: np.ndarray
    acc_band: np.ndarray
    # persons (index = true person number - 1)
    n: int
    acct: np.ndarray
    admin: np.ndarray
    arch: np.ndarray
    signup: np.ndarray
    stop: np.ndarray
    premium: np.ndarray
    job: np.ndarray
    decay: np.ndarray  # daily log-rate of decline (persuadables), else 0
    activity_mult: np.ndarray
    apm: np.ndarray  # actions per active minute
    email: list[str | None]
    first_owner_of: np.ndarray  # for a second owner: the person whose ref they reuse, else -1
    is_first_owner: np.ndarray
    dup_signup: np.ndarray  # signup of the extra record of a duplicated person, else -1
    ref: np.ndarray  # index into refs of the person's main record
    dup_ref: np.ndarray  # index into refs of the extra record, else -1
    dup_email: list[str | None]
    # reference strings: refs[i] for real records, then ghost refs (unknown customers)
    n_refs: int
    n_ghosts: int
    ref_strings: pa.Array

    @property
    def country(self) -> np.ndarray:
        return self.acc_country[self.acct]


def _build_people(seed: int, scale: float) -> _People:
    rng = _rng(seed, _S_PEOPLE)
    # accounts: size skewed (2 .. 400 users, mean about 10)
    n_acc = max(1, round(2500 * scale))
    size = np.clip(np.round(rng.lognormal(1.93, 0.85, n_acc)), 2, 400).astype(np.int64)
    u = rng.random(n_acc)
    plan = np.where(
        size <= 4,
        np.where(u < 0.8, 0, 1),
        np.where(size < 20, np.where(u < 0.2, 0, np.where(u < 0.85, 1, 2)), np.where(u < 0.3, 1, 2)),
    ).astype(np.int8)
    seats = (np.ceil((size + np.floor(rng.random(n_acc) * (0.3 * size + 2))) / 5) * 5).astype(np.int64)
    value = np.round(seats * SEAT_PRICE[plan] * rng.lognormal(0.0, 0.15, n_acc), 2)
    created = ACCOUNTS_FROM + np.floor(rng.random(n_acc) * (ACCOUNTS_TO - ACCOUNTS_FROM)).astype(np.int64)
    acc_country = _categorical(rng, np.broadcast_to(COUNTRY_SHARES, (n_acc, len(COUNTRIES))))
    industry = rng.integers(0, len(INDUSTRIES), n_acc).astype(np.int8)
    employees = size * rng.lognormal(np.log(6.0), 0.8, n_acc)
    band = np.searchsorted(np.array([10.5, 50.5, 200.5, 1000.5]), employees).astype(np.int8)

    # persons, grouped by account; the first person of an account is its admin (the account's creator)
    acct = np.repeat(np.arange(n_acc), size)
    n_main = len(acct)
    pos = np.arange(n_main) - np.repeat(np.cumsum(size) - size, size)
    admin = (pos == 0) | ((size[acct] >= 5) & (rng.random(n_main) < EXTRA_ADMIN_RATE))
    admin_share = admin.mean()
    user_shares = np.clip((SHARES - admin_share * ADMIN_SHARES) / max(1e-9, 1 - admin_share), 0.01, None)
    user_shares /= user_shares.sum()
    arch = _categorical(rng, np.where(admin[:, None], ADMIN_SHARES, user_shares))
    u = rng.random(n_main)
    signup = np.where(
        pos == 0,
        created[acct] + np.floor(rng.random(n_main) * DAY),
        np.where(
            u < 0.85,
            created[acct] + np.floor(rng.random(n_main) * (TX_START - created[acct])),
            TX_START + np.floor(rng.random(n_main) * (LAST_SIGNUP - TX_START)),
        ),
    ).astype(np.int64)
    stop = _stops(rng, arch, signup)

    # reused refs: lost causes (not admins) who stopped early hand their ref to a new colleague
    n_reuse = round(DEFECT_RATES["customers"]["reused_ref"] * n_main)
    candidates = np.flatnonzero((arch == LOST_CAUSE) & ~admin & (stop <= REUSE_STOPPED_BY))
    first_owners = np.sort(rng.choice(candidates, size=min(n_reuse, len(candidates)), replace=False))
    n_second = len(first_owners)
    second_acct = acct[first_owners]
    second_arch = _categorical(rng, np.broadcast_to(user_shares, (n_second, 4)))
    second_signup = stop[first_owners] + DAY + np.floor(rng.random(n_second) * 29 * DAY).astype(np.int64)
    second_stop = _stops(rng, second_arch, second_signup)

    n = n_main + n_second
    acct = np.concatenate([acct, second_acct])
    admin = np.concatenate([admin, np.zeros(n_second, dtype=bool)])
    arch = np.concatenate([arch, second_arch])
    signup = np.concatenate([signup, second_signup])
    stop = np.concatenate([stop, second_stop])
    first_owner_of = np.concatenate([np.full(n_main, -1), first_owners])
    is_first_owner = np.zeros(n, dtype=bool)
    is_first_owner[first_owners] = True
    premium = rng.random(n) < PREMIUM_RATE
    level_probs = np.array(
        [
            [0.50, 0.25, 0.17, 0.06, 0.02],  # users
            [0.30, 0.45, 0.17, 0.06, 0.02],  # sleeping-dog users (power users)
            [0.05, 0.10, 0.35, 0.30, 0.20],
        ]
    )  # admins
    group = np.where(admin, 2, np.where(arch == SLEEPING_DOG, 1, 0))
    job = _categorical(rng, level_probs[group])
    weekly = rng.uniform(*PERSUADABLE_WEEKLY_DECLINE, n)
    decay = np.where(arch == PERSUADABLE, -np.log1p(-weekly) / 7.0, 0.0)
    activity_mult = rng.lognormal(-0.02, 0.2, n)
    apm = ACTIONS_PER_MINUTE[arch] * rng.lognormal(-0.03, 0.25, n)

    # e-mails: firstname.lastname.<unique number>@<account domain>, lower case
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    number = rng.permutation(n) + 11
    head = rng.integers(0, len(DOMAIN_HEADS), n_acc)
    tail = rng.integers(0, len(DOMAIN_TAILS), n_acc)
    domains = [
        f"{DOMAIN_HEADS[h]}{DOMAIN_TAILS[t]}.{COUNTRY_TLD[c]}"
        for h, t, c in zip(head.tolist(), tail.tolist(), acc_country.tolist(), strict=True)
    ]
    email: list[str | None] = [
        f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}.{k}@{domains[a]}"
        for f, la, k, a in zip(first.tolist(), last.tolist(), number.tolist(), acct.tolist(), strict=True)
    ]

    # null e-mails and duplicated persons, never among the owners of a reused ref
    plain = np.flatnonzero((first_owner_of < 0) & ~is_first_owner)
    n_null = round(NULL_EMAIL_RATE * n)
    null_email = np.sort(rng.choice(plain, size=min(n_null, len(plain)), replace=False))
    for i in null_email.tolist():
        email[i] = None
    plain = np.setdiff1d(plain, null_email)
    n_dup = round(DEFECT_RATES["customers"]["duplicate_person"] * n)
    duplicated = np.sort(rng.choice(plain, size=min(n_dup, len(plain)), replace=False))
    dup_signup = np.full(n, -1, dtype=np.int64)
    span = np.maximum(LAST_SIGNUP - signup[duplicated], 2)
    dup_signup[duplicated] = signup[duplicated] + 1 + np.floor(rng.random(len(duplicated)) * (span - 1))
    kinds = rng.integers(0, 4, len(duplicated))
    tags = rng.integers(0, len(EMAIL_TAGS), len(duplicated))
    dup_email: list[str | None] = [None] * n
    for i, kind, tag in zip(duplicated.tolist(), kinds.tolist(), tags.tolist(), strict=True):
        dup_email[i] = _email_variant(str(email[i]), kind, EMAIL_TAGS[tag])

    # customer refs are numbered in order of record creation (signup); second owners take the old ref
    main = np.flatnonzero(first_owner_of < 0)
    rec_signup = np.concatenate([signup[main], dup_signup[duplicated]])
    order = np.argsort(rec_signup, kind="stable")
    rec_ref = np.empty(len(order), dtype=np.int64)
    rec_ref[order] = np.arange(len(order))
    ref = np.full(n, -1, dtype=np.int64)
    ref[main] = rec_ref[: len(main)]
    ref[n_main:] = ref[first_owners]
    dup_ref = np.full(n, -1, dtype=np.int64)
    dup_ref[duplicated] = rec_ref[len(main) :]
    n_refs = len(order)
    n_ghosts = max(1, round(0.002 * n))
    ref_strings = pa.concat_arrays(
        [
            _ids("U", np.arange(1, n_refs + 1), 6),
            _ids("U9", np.arange(1, n_ghosts + 1), 6),
        ]
    )
    return _People(
        n_accounts=n_acc,
        acc_size=size,
        acc_plan=plan,
        acc_seats=seats,
        acc_value=value,
        acc_created=created,
        acc_country=acc_country,
        acc_industry=industry,
        acc_band=band,
        n=n,
        acct=acct,
        admin=admin,
        arch=arch,
        signup=signup,
        stop=stop,
        premium=premium,
        job=job,
        decay=decay,
        activity_mult=activity_mult,
        apm=apm,
        email=email,
        first_owner_of=first_owner_of,
        is_first_owner=is_first_owner,
        dup_signup=dup_signup,
        ref=ref,
        dup_ref=dup_ref,
        dup_email=dup_email,
        n_refs=n_refs,
        n_ghosts=n_ghosts,
        ref_strings=ref_strings,
    )


def _stops(rng: np.random.Generator, arch: np.ndarray, signup: np.ndarray) -> np.ndarray:
    """Lost causes stop (no purchases, no activity) some time after they start; everyone else never does."""
    low, high = LOST_CAUSE_STOP_DAYS
    after = np.maximum(signup, TX_START) + np.floor(rng.uniform(low, high, len(arch)) * DAY).astype(np.int64)
    return np.where(arch == LOST_CAUSE, after, FAR_FUTURE).astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# Activity


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


# ---------------------------------------------------------------------------------------------------------
# Transactions


@dataclass
class _Lines:
    """The order book, one entry per line in file order, numeric (codes index the catalogue + non-product)."""

    person: np.ndarray  # true person, -1 for unknown refs
    invoice_number: np.ndarray
    cancellation: np.ndarray  # the invoice is a 'C' invoice
    code: np.ndarray  # < N_PRODUCTS: product; else non-product code
    quantity: np.ndarray
    price: np.ndarray
    time: np.ndarray  # seconds
    ref: np.ndarray  # index into ref_strings, -1 for null
    country: np.ndarray
    null_invoice: np.ndarray
    null_code: np.ndarray
    null_quantity: np.ndarray
    null_price: np.ndarray
    null_time: np.ndarray


def _event_times(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, decay: np.ndarray, rate_per_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson event times per person on (lo, hi) seconds; intensity flat, then (decay > 0) declining from
    the start of the activity window. Returns (person index per event, time in seconds)."""
    a = (lo - TX_START) / DAY
    b = (hi - TX_START) / DAY
    declining = decay > 0
    t0 = np.where(declining, (ACTIVITY_START - TX_START) / DAY, b)
    flat = np.clip(np.minimum(b, t0) - a, 0.0, None)
    c = np.maximum(a, t0)
    k = np.where(declining, decay, 1.0)
    tail = np.where(declining & (b > c), (np.exp(-k * (c - t0)) - np.exp(-k * (b - t0))) / k, 0.0)
    mass = flat + tail
    counts = np.where(hi - lo >= 2, rng.poisson(rate_per_day * mass), 0)
    who = np.repeat(np.arange(len(lo)), counts)
    v = rng.random(len(who)) * mass[who]
    in_flat = v < flat[who]
    rest = np.maximum(np.exp(-k[who] * (c[who] - t0[who])) - k[who] * (v - flat[who]), 1e-300)
    t = np.where(in_flat, a[who] + v, t0[who] - np.log(rest) / k[who])
    return who, np.clip(_office_hours(t), lo[who] + 1, hi[who] - 1)


def _office_hours(t: np.ndarray) -> np.ndarray:
    """Seconds for a time in days since TX_START, its time of day squeezed into 08:00-18:00."""
    day = np.floor(t)
    return (TX_START + day * DAY + 8 * 3600 + np.floor((t - day) * 10 * 3600)).astype(np.int64)


def _build_transactions(p: _People, seed: int) -> _Lines:
    rng = _rng(seed, _S_TRANSACTIONS)
    rates = DEFECT_RATES["transactions"]
    _, _, base_price, popularity = _catalogue()
    size = p.acc_size[p.acct]

    # invoices of known persons
    lo = np.maximum(p.signup, TX_START)
    hi = np.minimum(p.stop, TX_END)
    rate = INVOICES_PER_YEAR[p.arch] / 365.0 * (size / 10.0) ** 0.15 * rng.lognormal(-0.125, 0.5, p.n)
    inv_person, inv_time = _event_times(rng, lo, hi, p.decay, rate)
    inv_ref = p.ref[inv_person].copy()
    split = (p.dup_ref[inv_person] >= 0) & (inv_time >= p.dup_signup[inv_person])
    split &= rng.random(len(inv_person)) < 0.5
    inv_ref[split] = p.dup_ref[inv_person[split]]
    n_lines = 1 + np.minimum(rng.poisson(EXTRA_LINES[p.arch[inv_person]]), 29)

    # invoices of unknown refs (customers deleted from the CRM)
    n_ghost_inv = round(rates["unknown_customer"] * n_lines.sum() / max(1.0, n_lines.mean()))
    ghost_ref = p.n_refs + rng.integers(0, p.n_ghosts, n_ghost_inv)
    ghost_time = _office_hours(rng.random(n_ghost_inv) * (TX_END - TX_START) / DAY)
    ghost_lines = 1 + np.minimum(rng.poisson(2.5, n_ghost_inv), 29)
    n_person_inv = len(inv_person)
    inv_person = np.concatenate([inv_person, np.full(n_ghost_inv, -1)])
    inv_time = np.concatenate([inv_time, ghost_time])
    inv_ref = np.concatenate([inv_ref, ghost_ref])
    inv_country = np.concatenate(
        [p.country[inv_person[:n_person_inv]], rng.integers(0, len(COUNTRIES), n_ghost_inv).astype(np.int8)]
    )
    n_lines = np.concatenate([n_lines, ghost_lines])
    inv_size = np.concatenate([size[inv_person[:n_person_inv]], np.ones(n_ghost_inv, dtype=np.int64)])
    n_inv = len(inv_person)

    # product lines: distinct products within an invoice
    line_inv = np.repeat(np.arange(n_inv), n_lines)
    product = rng.choice(N_PRODUCTS, size=len(line_inv), p=popularity)
    key = np.unique(line_inv * N_PRODUCTS + product)
    line_inv, product = key // N_PRODUCTS, key % N_PRODUCTS
    quantity = rng.choice(
        np.array([1, 2, 3, 4, 6, 8, 10, 12, 24]),
        size=len(line_inv),
        p=np.array([0.22, 0.18, 0.10, 0.10, 0.12, 0.06, 0.06, 0.10, 0.06]),
    )
    quantity = quantity * np.where(inv_size[line_inv] >= 20, rng.integers(1, 3, len(line_inv)), 1)
    price = base_price[product]
    price = np.where(quantity >= 24, np.round(price * 0.85, 2), price)

    # cancellation invoices: mirror some lines of an earlier invoice of the same customer, negative quantity
    is_parent = (inv_person >= 0) & (rng.random(n_inv) < rates["cancellation_invoice"])
    parents = np.flatnonzero(is_parent)
    n_cancel = len(parents)
    cancel_of = np.full(n_inv, -1)
    cancel_of[parents] = n_inv + np.arange(n_cancel)
    latest = np.minimum(p.stop[inv_person[parents]], TX_END) - 1
    room = np.clip(np.minimum(14 * DAY, latest - inv_time[parents] - 1), 0, None)
    cancel_time = np.minimum(
        inv_time[parents] + 1 + np.floor(rng.random(n_cancel) * room).astype(np.int64), latest
    )
    parent_line = is_parent[line_inv]
    chosen = parent_line & (rng.random(len(line_inv)) < 0.5)
    none_chosen = parents[np.bincount(line_inv[chosen], minlength=n_inv)[parents] == 0]
    chosen[np.searchsorted(line_inv, none_chosen)] = True
    c_lines = np.flatnonzero(chosen)
    c_quantity = -rng.integers(1, quantity[c_lines] + 1)

    # invoices without a customer: whole invoices of known persons, never a cancelled one
    missing = (inv_person >= 0) & ~is_parent & (rng.random(n_inv) < rates["missing_customer"])
    inv_ref = np.where(missing, -1, inv_ref)

    # all invoices (cancellations appended), numbered in time order
    inv_person = np.concatenate([inv_person, inv_person[parents]])
    inv_time = np.concatenate([inv_time, cancel_time])
    inv_ref = np.concatenate([inv_ref, inv_ref[parents]])
    inv_country = np.concatenate([inv_country, inv_country[parents]])
    inv_cancel = np.concatenate([np.zeros(n_inv, dtype=bool), np.ones(n_cancel, dtype=bool)])
    order = np.lexsort([np.arange(len(inv_time)), inv_cancel, inv_time])
    inv_number = np.empty(len(order), dtype=np.int64)
    inv_number[order] = FIRST_INVOICE_NUMBER + np.arange(len(order))

    # non-product lines (postage, fees, adjustments): one per chosen sales invoice, quantity 1
    np_rate = rates["non_product_code"] * len(line_inv) / max(1, n_inv)
    np_inv = np.flatnonzero(rng.random(n_inv) < np_rate)
    np_code = rng.choice(len(NON_PRODUCT), size=len(np_inv), p=NON_PRODUCT_WEIGHTS)
    bounds = np.array([r for _, _, r in NON_PRODUCT])
    low, high = bounds[np_code, 0], bounds[np_code, 1]
    np_price = np.round(low + rng.random(len(np_inv)) * (high - low), 2)
    np_price = np.where(np_price == 0, 0.01, np_price)

    # assemble in file order: invoice number, then line position within the invoice
    all_inv = np.concatenate([line_inv, cancel_of[line_inv[c_lines]], np_inv])
    position = np.concatenate(
        [np.arange(len(line_inv)), np.arange(len(c_lines)), np.full(len(np_inv), 1 << 40)]
    )
    code = np.concatenate([product, product[c_lines], N_PRODUCTS + np_code])
    quantity = np.concatenate([quantity, c_quantity, np.ones(len(np_inv), dtype=np.int64)])
    price = np.concatenate([price, price[c_lines], np_price])
    order = np.lexsort([position, inv_number[all_inv]])
    all_inv, code, quantity, price = all_inv[order], code[order], quantity[order], price[order]
    cancellation = inv_cancel[all_inv]
    cancelled = np.concatenate([is_parent, np.zeros(n_cancel, dtype=bool)])[all_inv]
    n = len(all_inv)

    # line defects on sales invoices that were not cancelled: returns, non-positive prices, malformed lines
    product_sale = (code < N_PRODUCTS) & ~cancellation & ~cancelled
    returned = product_sale & (rng.random(n) < rates["return"])
    quantity = np.where(returned, -quantity, quantity)
    free = product_sale & ~returned & (rng.random(n) < rates["non_positive_price"])
    price = np.where(free, np.where(rng.random(n) < 0.75, 0.0, -price), price)
    malformed = ~cancellation & ~cancelled & ~returned & ~free & (rng.random(n) < rates["malformed"])
    kind = rng.integers(0, 6, n)
    quantity = np.where(malformed & (kind == 5), 0, quantity)
    nulls = [malformed & (kind == k) for k in range(5)]

    # exact duplicates: an extra copy right after the original line
    copies = 1 + (~malformed & (rng.random(n) < rates["exact_duplicate"]))

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, copies)

    return _Lines(
        person=rep(inv_person[all_inv]),
        invoice_number=rep(inv_number[all_inv]),
        cancellation=rep(cancellation),
        code=rep(code),
        quantity=rep(quantity),
        price=rep(price),
        time=rep(inv_time[all_inv]),
        ref=rep(inv_ref[all_inv]),
        country=rep(inv_country[all_inv]),
        null_invoice=rep(nulls[0]),
        null_code=rep(nulls[1]),
        null_quantity=rep(nulls[2]),
        null_price=rep(nulls[3]),
        null_time=rep(nulls[4]),
    )


def _classify_transactions(lines: _Lines, n_refs: int) -> np.ndarray:
    """First matching rule per line (index into TRANSACTION_RULES; len(TRANSACTION_RULES) = kept)."""
    malformed = (
        lines.null_invoice
        | lines.null_code
        | lines.null_quantity
        | lines.null_price
        | lines.null_time
        | ((lines.quantity == 0) & ~lines.null_quantity)
    )
    ok = np.flatnonzero(~malformed)
    duplicate = np.zeros(len(malformed), dtype=bool)
    duplicate[ok] = _first_repeats(
        [
            lines.invoice_number[ok],
            lines.cancellation[ok],
            lines.code[ok],
            lines.quantity[ok],
            lines.price[ok].view(np.int64),
            lines.time[ok],
            lines.ref[ok],
            lines.country[ok],
        ]
    )
    hits = [
        malformed,
        duplicate,
        lines.cancellation,
        lines.quantity < 0,
        lines.code >= N_PRODUCTS,
        lines.price <= 0,
        lines.ref < 0,
        lines.ref >= n_refs,
    ]
    status = np.full(len(malformed), len(TRANSACTION_RULES), dtype=np.int8)
    for rule, hit in reversed(list(enumerate(hits))):
        status[hit] = rule
    return status


def _transaction_batches(p: _People, lines: _Lines) -> Iterator[pa.Table]:
    codes, descriptions, _, _ = _catalogue()
    code_strings = pa.array(codes + list(NON_PRODUCT_CODES))
    description_strings = pa.array(descriptions + [d for _, d, _ in NON_PRODUCT])
    countries = pa.array(COUNTRIES)
    schema = contract.arrow_schema(contract.TRANSACTIONS)
    for start in range(0, len(lines.code), WRITE_CHUNK):
        s = slice(start, start + WRITE_CHUNK)
        invoice = pc.cast(pa.array(lines.invoice_number[s]), pa.string())
        invoice = pc.if_else(
            pa.array(lines.cancellation[s]), pc.binary_join_element_wise("C", invoice, ""), invoice
        )
        invoice = pc.if_else(pa.array(lines.null_invoice[s]), pa.scalar(None, pa.string()), invoice)
        yield pa.Table.from_arrays(
            [
                invoice,
                code_strings.take(pa.array(lines.code[s], mask=lines.null_code[s])),
                description_strings.take(pa.array(lines.code[s])),
                pa.array(lines.quantity[s], type=pa.int64(), mask=lines.null_quantity[s]),
                pa.array(lines.price[s], type=pa.float64(), mask=lines.null_price[s]),
                _timestamps(lines.time[s], mask=lines.null_time[s]),
                p.ref_strings.take(pa.array(lines.ref[s], mask=lines.ref[s] < 0)),
                countries.take(pa.array(lines.country[s].astype(np.int64))),
            ],
            schema=schema,
        )


# ---------------------------------------------------------------------------------------------------------
# Campaign, outcomes and truth


@dataclass
class _Campaign:
    person: np.ndarray  # one treatments row per listed person, ordered by customer_ref
    eligible: np.ndarray
    treated: np.ndarray
    propensity: np.ndarray
    email_channel: np.ndarray
    p_control: np.ndarray  # per person (all persons)
    p_treated: np.ndarray
    y_control: np.ndarray
    y_treated: np.ndarray
    converted: np.ndarray  # per row
    revenue: np.ndarray
    outcome_at: np.ndarray
    churned: np.ndarray


def _build_campaign(
    p: _People, seed: int, early: np.ndarray, recent: np.ndarray, last: np.ndarray
) -> _Campaign:
    rng = _rng(seed, _S_CAMPAIGN)
    arch = p.arch
    lo, hi = P_CONTROL[arch, 0], P_CONTROL[arch, 1]
    p_control = lo + rng.random(p.n) * (hi - lo)
    lo, hi = UPLIFT[arch, 0], UPLIFT[arch, 1]
    p_treated = np.clip(p_control + lo + rng.random(p.n) * (hi - lo), 0.0, 1.0)
    u = rng.random(p.n)  # one draw per person couples the potential outcomes
    y_control, y_treated = u < p_control, u < p_treated

    listed = np.flatnonzero(~p.is_first_owner & (p.signup <= ELIGIBLE_SIGNUP_BY))
    listed = listed[np.argsort(p.ref[listed], kind="stable")]
    m = len(listed)
    low = np.clip((8.0 - recent[listed]) / 6.0, 0.0, 1.0)
    ratio = (recent[listed] + 1.0) / (early[listed] + 1.0)
    declining = np.clip((0.8 - ratio) / 0.4, 0.0, 1.0)
    propensity = PROPENSITY_BASE + PROPENSITY_SPAN * np.maximum(low, declining)
    eligible = rng.random(m) >= INELIGIBLE_RATE
    treated = eligible & (rng.random(m) < propensity)
    email_channel = rng.random(m) < EMAIL_CHANNEL_SHARE
    converted = np.where(treated, y_treated[listed], y_control[listed])
    amount = np.round(CONVERSION_VALUE[p.acc_plan[p.acct[listed]]] * rng.lognormal(-0.08, 0.4, m), 2)
    revenue = np.where(converted, amount, 0.0)
    when = TREATED_AT + np.floor(rng.random(m) * OUTCOME_WINDOW_DAYS * DAY).astype(np.int64)
    outcome_at = np.where(converted, when, OUTCOME_END)
    return _Campaign(
        person=listed,
        eligible=eligible,
        treated=treated,
        propensity=propensity,
        email_channel=email_channel,
        p_control=p_control,
        p_treated=p_treated,
        y_control=y_control,
        y_treated=y_treated,
        converted=converted,
        revenue=revenue,
        outcome_at=outcome_at,
        churned=last[listed] == 0,
    )


@dataclass
class _CallCampaign:
    """The customer-success call campaign: accounts chosen by account managers, one row per listed user."""

    person: np.ndarray  # one row per listed user of a considered account, ordered by customer_ref
    size_score: np.ndarray  # per account
    decline_score: np.ndarray  # per account
    account_propensity: np.ndarray  # per account, 0 for an account with no listed user
    considered: np.ndarray  # per account: has at least one listed user
    called: np.ndarray  # per account
    annoyed: np.ndarray  # per account: an admin is a sleeping dog
    treated: np.ndarray  # per row
    propensity: np.ndarray
    p_control: np.ndarray
    p_treated: np.ndarray
    y_control: np.ndarray
    y_treated: np.ndarray
    converted: np.ndarray
    revenue: np.ndarray
    outcome_at: np.ndarray

    @property
    def true_uplift(self) -> np.ndarray:
        return self.p_treated - self.p_control


def _build_call_campaign(
    p: _People, seed: int, call_early: np.ndarray, call_recent: np.ndarray, enabled: bool = True
) -> _CallCampaign:
    """Accounts called with a propensity that grows with size and with the decline of their users' activity;
    an effect per archetype that is largest for persuadables in big, drifting accounts and negative for
    every user of an account whose admin is a sleeping dog. Its own random stream, so nothing else moves.
    Not `enabled`, it lists nobody (the world as it was before the campaign was added)."""
    rng = _rng(seed, _S_CALL)
    listed = np.flatnonzero(~p.is_first_owner & (p.signup <= CALL_SIGNUP_BY) & (p.acct >= 0) & enabled)
    listed = listed[np.argsort(p.ref[listed], kind="stable")]
    m, n_acc = len(listed), p.n_accounts
    acct = p.acct[listed]
    size_score = np.clip(np.log(p.acc_size / 2.0) / np.log(CALL_SIZE_FULL / 2.0), 0.0, 1.0)
    early = np.bincount(acct, weights=call_early[listed], minlength=n_acc)
    recent = np.bincount(acct, weights=call_recent[listed], minlength=n_acc)
    ratio = (recent + 1.0) / (early + 1.0)
    decline_score = np.clip((1.0 - ratio) / CALL_DECLINE_FULL, 0.0, 1.0)
    considered = np.bincount(acct, minlength=n_acc) > 0
    propensity = CALL_PROPENSITY_BASE + CALL_SIZE_WEIGHT * size_score + CALL_DECLINE_WEIGHT * decline_score
    account_propensity = np.where(considered, np.clip(propensity, 0.0, 1.0), 0.0)
    called = considered & (rng.random(n_acc) < account_propensity)
    annoyed = np.bincount(p.acct[p.admin & (p.arch == SLEEPING_DOG)], minlength=n_acc) > 0

    arch = p.arch[listed]
    lo, hi = P_CONTROL[arch, 0], P_CONTROL[arch, 1]
    p_control = lo + rng.random(m) * (hi - lo)
    lo, hi = CALL_UPLIFT[arch, 0], CALL_UPLIFT[arch, 1]
    effect = lo + rng.random(m) * (hi - lo)
    bonus = CALL_PERSUADABLE_SIZE_BONUS * size_score[acct]
    bonus += CALL_PERSUADABLE_DECLINE_BONUS * decline_score[acct]
    effect = np.where(arch == PERSUADABLE, effect + bonus, effect)
    low, high = CALL_ANNOYED_ADMIN
    annoyance = low + rng.random(m) * (high - low)
    effect = np.where(annoyed[acct], np.minimum(effect, 0.0) + annoyance, effect)
    p_treated = np.clip(p_control + effect, 0.0, 1.0)
    u = rng.random(m)  # couples the two potential outcomes, as in the nudge
    y_control, y_treated = u < p_control, u < p_treated
    treated = called[acct]
    converted = np.where(treated, y_treated, y_control)
    amount = np.round(CONVERSION_VALUE[p.acc_plan[acct]] * rng.lognormal(-0.08, 0.4, m), 2)
    when = CALL_AT + np.floor(rng.random(m) * CALL_WINDOW_DAYS * DAY).astype(np.int64)
    return _CallCampaign(
        person=listed,
        size_score=size_score,
        decline_score=decline_score,
        account_propensity=account_propensity,
        considered=considered,
        called=called,
        annoyed=annoyed,
        treated=treated,
        propensity=account_propensity[acct],
        p_control=p_control,
        p_treated=p_treated,
        y_control=y_control,
        y_treated=y_treated,
        converted=converted,
        revenue=np.where(converted, amount, 0.0),
        outcome_at=np.where(converted, when, CALL_END),
    )


def _customer_records(p: _People) -> dict[str, Any]:
    """Customer records (main record per person, plus the extra record of duplicated persons), ordered by
    customer_ref then signup_at."""
    dup = np.flatnonzero(p.dup_ref >= 0)
    person = np.concatenate([np.arange(p.n), dup])
    ref = np.concatenate([p.ref, p.dup_ref[dup]])
    signup = np.concatenate([p.signup, p.dup_signup[dup]])
    order = np.lexsort([signup, ref])
    person, ref, signup = person[order], ref[order], signup[order]
    emails = p.email + [p.dup_email[i] for i in dup.tolist()]
    email = [emails[i] for i in order.tolist()]
    return {"person": person, "ref": ref, "signup": signup, "email": email}


def _person_ids(person: np.ndarray) -> pa.Array:
    return _ids("P", person + 1, 6)


def _account_ids(account: np.ndarray) -> pa.Array:
    return _ids("A", account + 1, 5)


# ---------------------------------------------------------------------------------------------------------


def simulate_world(out_dir: Path, seed: int = 42, scale: float = 1.0, *, call_campaign: bool = True) -> dict:
    """Write the demo world (raw contract files, truth files, manifest.json) into `out_dir`.

    Returns the manifest: seed, scale, row counts per file, defect counts (recounted on the final tables
    with the pipeline's first-match rules) and the generative parameters. `call_campaign=False` leaves out
    the customer-success call campaign's rows, which otherwise only append to treatments and outcomes
    (a check that every other row stays the same).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    p = _build_people(seed, scale)
    row_counts: dict[str, int] = {}
    countries = pa.array(COUNTRIES)

    # accounts
    accounts_schema = contract.arrow_schema(contract.ACCOUNTS).append(pa.field("industry", pa.string()))
    row_counts["accounts"] = _write(
        pa.Table.from_arrays(
            [
                _account_ids(np.arange(p.n_accounts)),
                pa.array(PLANS).take(pa.array(p.acc_plan.astype(np.int64))),
                pa.array(p.acc_seats, type=pa.int64()),
                pa.array(p.acc_value, type=pa.float64()),
                _timestamps(p.acc_created),
                pa.array(INDUSTRIES).take(pa.array(p.acc_industry.astype(np.int64))),
            ],
            schema=accounts_schema,
        ),
        out_dir / contract.ACCOUNTS.file_name,
    )

    # customers and truth_identity
    rec = _customer_records(p)
    person = rec["person"]
    customer_ref = p.ref_strings.take(pa.array(rec["ref"]))
    email = pa.array(rec["email"], type=pa.string())
    customers_schema = (
        contract.arrow_schema(contract.CUSTOMERS)
        .append(pa.field("job_level", pa.string()))
        .append(pa.field("company_size_band", pa.string()))
    )
    row_counts["customers"] = _write(
        pa.Table.from_arrays(
            [
                customer_ref,
                email,
                _account_ids(p.acct[person]),
                pa.array(np.where(p.admin[person], "admin", "user")),
                _timestamps(rec["signup"]),
                countries.take(pa.array(p.country[person].astype(np.int64))),
                pa.array(p.premium[person]),
                pa.array(JOB_LEVELS).take(pa.array(p.job[person].astype(np.int64))),
                pa.array(SIZE_BANDS).take(pa.array(p.acc_band[p.acct[person]].astype(np.int64))),
            ],
            schema=customers_schema,
        ),
        out_dir / contract.CUSTOMERS.file_name,
    )
    row_counts["truth_identity"] = _write(
        pa.Table.from_arrays(
            [customer_ref, email, _person_ids(person)], schema=contract.arrow_schema(contract.TRUTH_IDENTITY)
        ),
        out_dir / contract.TRUTH_IDENTITY.file_name,
    )

    # activity, streamed by blocks of persons
    early = np.zeros(p.n, dtype=np.int64)
    recent = np.zeros(p.n, dtype=np.int64)
    last = np.zeros(p.n, dtype=np.int64)
    call_early = np.zeros(p.n, dtype=np.int64)
    call_recent = np.zeros(p.n, dtype=np.int64)
    activity_status = np.zeros(len(ACTIVITY_RULES) + 1, dtype=np.int64)
    schema = contract.arrow_schema(contract.ACTIVITY)
    with pq.ParquetWriter(out_dir / contract.ACTIVITY.file_name, schema, compression="zstd") as writer:
        for chunk in _activity_chunks(p, seed):
            early[chunk.persons] = chunk.early
            recent[chunk.persons] = chunk.recent
            last[chunk.persons] = chunk.last
            call_early[chunk.persons] = chunk.call_early
            call_recent[chunk.persons] = chunk.call_recent
            status = _classify_activity(chunk, p.n_refs)
            activity_status += np.bincount(status, minlength=len(activity_status))
            writer.write_table(_activity_table(p, chunk))
    row_counts["activity"] = int(activity_status.sum())

    # transactions
    lines = _build_transactions(p, seed)
    tx_status = np.bincount(_classify_transactions(lines, p.n_refs), minlength=len(TRANSACTION_RULES) + 1)
    schema = contract.arrow_schema(contract.TRANSACTIONS)
    with pq.ParquetWriter(out_dir / contract.TRANSACTIONS.file_name, schema, compression="zstd") as writer:
        for batch in _transaction_batches(p, lines):
            writer.write_table(batch)
    row_counts["transactions"] = len(lines.code)
    del lines

    # campaigns: treatments, outcomes, truth_users, truth_effects. The nudge's rows come first; the call
    # campaign's rows are appended after them.
    c = _build_campaign(p, seed, early, recent, last)
    call = _build_call_campaign(p, seed, call_early, call_recent, enabled=call_campaign)
    refs = p.ref_strings.take(pa.array(p.ref[c.person]))
    call_refs = p.ref_strings.take(pa.array(p.ref[call.person]))
    m, k = len(c.person), len(call.person)
    campaign = pa.array([CAMPAIGN_ID] * m + [CALL_CAMPAIGN_ID] * k, type=pa.string())
    all_refs = pa.concat_arrays([refs, call_refs])
    treated = np.concatenate([c.treated, call.treated])
    channel = np.concatenate([np.where(c.email_channel, "email", "in_app"), np.full(k, "call")])
    arm = np.concatenate(
        [np.where(c.treated, "nudge", "control"), np.where(call.treated, "human_outreach", "control")]
    )
    row_counts["treatments"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                all_refs,
                pa.array(np.concatenate([c.eligible, np.ones(k, dtype=bool)])),
                pa.array(treated),
                pa.array(arm),
                pa.array(channel, type=pa.string(), mask=~treated),
                _timestamps(np.concatenate([np.full(m, TREATED_AT), np.full(k, CALL_AT)])),
            ],
            schema=contract.arrow_schema(contract.TREATMENTS),
        ),
        out_dir / contract.TREATMENTS.file_name,
    )
    row_counts["outcomes"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                all_refs,
                pa.array(np.concatenate([c.converted, call.converted])),
                pa.array(np.concatenate([c.revenue, call.revenue]), type=pa.float64()),
                # the churn label belongs to the end of the activity window: not measured for the call
                pa.array(np.concatenate([c.churned, np.zeros(k, dtype=bool)]), mask=np.arange(m + k) >= m),
                _timestamps(np.concatenate([c.outcome_at, call.outcome_at])),
            ],
            schema=contract.arrow_schema(contract.OUTCOMES),
        ),
        out_dir / contract.OUTCOMES.file_name,
    )
    persons = np.concatenate([c.person, call.person])
    effect_p_control = np.concatenate([c.p_control[c.person], call.p_control])
    effect_p_treated = np.concatenate([c.p_treated[c.person], call.p_treated])
    row_counts["truth_effects"] = _write(
        pa.Table.from_arrays(
            [
                campaign,
                _person_ids(persons),
                _account_ids(p.acct[persons]),
                pa.array(ARCHETYPES).take(pa.array(p.arch[persons].astype(np.int64))),
                pa.array(np.concatenate([np.where(c.eligible, c.propensity, 0.0), call.propensity])),
                pa.array(effect_p_control),
                pa.array(effect_p_treated),
                pa.array(effect_p_treated - effect_p_control),
                pa.array(np.concatenate([c.y_control[c.person], call.y_control])),
                pa.array(np.concatenate([c.y_treated[c.person], call.y_treated])),
            ],
            schema=contract.arrow_schema(contract.TRUTH_EFFECTS),
        ),
        out_dir / contract.TRUTH_EFFECTS.file_name,
    )
    everyone = np.arange(p.n)
    row_counts["truth_users"] = _write(
        pa.Table.from_arrays(
            [
                _person_ids(everyone),
                _account_ids(p.acct),
                pa.array(ARCHETYPES).take(pa.array(p.arch.astype(np.int64))),
                pa.array(c.p_control),
                pa.array(c.p_treated),
                pa.array(c.p_treated - c.p_control),
                pa.array(c.y_control),
                pa.array(c.y_treated),
            ],
            schema=contract.arrow_schema(contract.TRUTH_USERS),
        ),
        out_dir / contract.TRUTH_USERS.file_name,
    )

    # defects, recounted on the final tables
    defects = [
        {"file": "transactions", "defect": rule, "row_count": int(tx_status[i])}
        for i, rule in enumerate(TRANSACTION_RULES)
    ]
    defects += [
        {"file": "activity", "defect": rule, "row_count": int(activity_status[i])}
        for i, rule in enumerate(ACTIVITY_RULES)
    ]
    defects += [
        {"file": "customers", "defect": "duplicate_person", "row_count": int((p.dup_ref >= 0).sum())},
        {"file": "customers", "defect": "reused_ref", "row_count": int((p.first_owner_of >= 0).sum())},
    ]
    row_counts["truth_defects"] = _write(
        pa.Table.from_pylist(defects, schema=contract.arrow_schema(contract.TRUTH_DEFECTS)),
        out_dir / contract.TRUTH_DEFECTS.file_name,
    )

    status_counts = {
        "transactions": dict(zip([*TRANSACTION_RULES, "kept"], tx_status.tolist(), strict=True)),
        "activity": dict(zip([*ACTIVITY_RULES, "kept"], activity_status.tolist(), strict=True)),
    }
    ordered = {e.name: row_counts[e.name] for e in contract.ENTITIES if e.name in row_counts}
    manifest = _manifest(seed, scale, p, c, call, ordered, defects, status_counts)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _manifest(
    seed: int,
    scale: float,
    p: _People,
    c: _Campaign,
    call: _CallCampaign,
    row_counts: dict[str, int],
    defects: list[dict],
    status_counts: dict[str, dict[str, int]],
) -> dict:
    arch = p.arch
    treated = c.person[c.eligible & c.treated]
    control = c.person[c.eligible & ~c.treated]
    uplift = c.p_treated - c.p_control
    eligible_rows = c.eligible
    naive = (c.converted[eligible_rows & c.treated].mean() if treated.size else float("nan")) - (
        c.converted[eligible_rows & ~c.treated].mean() if control.size else float("nan")
    )

    def r(x: float) -> float:
        return round(float(x), 6)

    def mean(x: np.ndarray) -> float | None:
        return r(x.mean()) if x.size else None

    call_uplift = call.true_uplift
    call_arch = arch[call.person]
    call_annoyed = call.annoyed[p.acct[call.person]]
    call_naive = (
        r(call.converted[call.treated].mean() - call.converted[~call.treated].mean())
        if call.treated.any() and (~call.treated).any()
        else None
    )

    return {
        "generator": "earmark.simulate",
        "seed": seed,
        "scale": scale,
        "row_counts": row_counts,
        "defects": defects,
        "status_counts": status_counts,
        "calendar": {
            "transactions_from": _iso(TX_START),
            "transactions_to_exclusive": _iso(TX_END),
            "activity_from": _iso(ACTIVITY_START),
            "activity_days": ACTIVITY_DAYS,
            "campaign_id": CAMPAIGN_ID,
            "treated_at": _iso(TREATED_AT),
            "outcome_window_days": OUTCOME_WINDOW_DAYS,
            "outcome_window_end": _iso(OUTCOME_END),
            "call_campaign_id": CALL_CAMPAIGN_ID,
            "call_treated_at": _iso(CALL_AT),
            "call_outcome_window_days": CALL_WINDOW_DAYS,
            "call_outcome_window_end": _iso(CALL_END),
            "churn_rule": f"no activity row in the last {CHURN_DAYS} days of the activity window "
            f"({_iso(TX_END - CHURN_DAYS * DAY)[:10]} .. {_iso(TX_END - DAY)[:10]})",
        },
        "archetypes": {
            name: {
                "target_share": r(SHARES[i]),
                "admin_share": r(ADMIN_SHARES[i]),
                "invoices_per_year": r(INVOICES_PER_YEAR[i]),
                "mean_lines_per_invoice": r(1 + EXTRA_LINES[i]),
                "weekday_active_probability": r(ACTIVE_P[i]),
                "mean_sessions_per_active_day": r(1 + EXTRA_SESSIONS[i]),
                "minutes_per_session": r(MINUTES_PER_SESSION[i]),
                "actions_per_minute": r(ACTIONS_PER_MINUTE[i]),
                "p_control_range": [r(x) for x in P_CONTROL[i]],
                "uplift_range": [r(x) for x in UPLIFT[i]],
            }
            for i, name in enumerate(ARCHETYPES)
        },
        "accounts": {
            "count": "round(2500 * scale), at least 1",
            "users_per_account": "round(lognormal(mean 1.93, sd 0.85)) clipped to 2..400",
            "extra_admin_rate": EXTRA_ADMIN_RATE,
            "countries": dict(zip(COUNTRIES, [r(x) for x in COUNTRY_SHARES], strict=True)),
        },
        "persuadable_weekly_decline": list(PERSUADABLE_WEEKLY_DECLINE),
        "lost_cause_stop_days": list(LOST_CAUSE_STOP_DAYS),
        "defect_rates": DEFECT_RATES,
        "null_email_rate": NULL_EMAIL_RATE,
        "premium_rate": PREMIUM_RATE,
        "assignment": {
            "propensity": f"{PROPENSITY_BASE} + {PROPENSITY_SPAN} * max(clip((8 - recent) / 6, 0, 1), "
            "clip((0.8 - (recent + 1) / (early + 1)) / 0.4, 0, 1)); recent = active days in "
            "the 28 days before treated_at, early = active days in the first 28 days of the "
            "activity window",
            "ineligible_rate": INELIGIBLE_RATE,
            "email_channel_share": EMAIL_CHANNEL_SHARE,
        },
        "call_campaign": {
            "campaign_id": CALL_CAMPAIGN_ID,
            "arm": "human_outreach",
            "channel": "call",
            "listed": f"every user of an account who signed up by {_iso(CALL_SIGNUP_BY)[:10]} (first owners "
            "of reused refs excluded); customers without an account are not in this campaign",
            "propensity": f"clip({CALL_PROPENSITY_BASE} + {CALL_SIZE_WEIGHT} * size_score + "
            f"{CALL_DECLINE_WEIGHT} * decline_score, 0, 1) per account; size_score = "
            f"clip(log(users / 2) / log({CALL_SIZE_FULL} / 2), 0, 1); decline_score = "
            f"clip((1 - ratio) / {CALL_DECLINE_FULL}, 0, 1), ratio = (active days of the account's listed "
            f"users in the {CALL_ACTIVITY_DAYS} days before the call + 1) / (their active days in the first "
            f"{CALL_ACTIVITY_DAYS} days of the activity window + 1)",
            "uplift_range": {name: [r(x) for x in CALL_UPLIFT[i]] for i, name in enumerate(ARCHETYPES)},
            "persuadable_bonus": f"+ {CALL_PERSUADABLE_SIZE_BONUS} * size_score + "
            f"{CALL_PERSUADABLE_DECLINE_BONUS} * decline_score",
            "sleeping_dog_admin": "in an account with a sleeping-dog admin every user's uplift is "
            f"min(uplift, 0) + uniform{list(CALL_ANNOYED_ADMIN)}",
            "realised": {
                "accounts_considered": int(call.considered.sum()),
                "accounts_called": int(call.called.sum()),
                "sleeping_dog_admin_accounts": int((call.annoyed & call.considered).sum()),
                "sleeping_dog_admin_accounts_called": int((call.annoyed & call.called).sum()),
                "rows": len(call.person),
                "calls": int(call.treated.sum()),
                "naive_called_minus_control_conversion": call_naive,
                "mean_true_uplift_called": mean(call_uplift[call.treated]),
                "mean_true_uplift_listed": mean(call_uplift),
                "mean_true_uplift_by_archetype_other_accounts": {
                    name: mean(call_uplift[(call_arch == i) & ~call_annoyed])
                    for i, name in enumerate(ARCHETYPES)
                },
                "mean_true_uplift_sleeping_dog_admin_accounts": mean(call_uplift[call_annoyed]),
                "mean_size_score": {
                    "called": mean(call.size_score[call.called]),
                    "not_called": mean(call.size_score[call.considered & ~call.called]),
                },
                "mean_decline_score": {
                    "called": mean(call.decline_score[call.called]),
                    "not_called": mean(call.decline_score[call.considered & ~call.called]),
                },
            },
        },
        "realised": {
            "accounts": p.n_accounts,
            "persons": p.n,
            "customer_records": int(p.n + (p.dup_ref >= 0).sum()),
            "admins": int(p.admin.sum()),
            "archetype_shares": {name: r((arch == i).mean()) for i, name in enumerate(ARCHETYPES)},
            "treatments_rows": len(c.person),
            "eligible": int(c.eligible.sum()),
            "treated": int(c.treated.sum()),
            "naive_treated_minus_control_conversion": r(naive),
            "mean_true_uplift_population": r(uplift.mean()),
            "mean_true_uplift_treated": r(uplift[treated].mean()) if treated.size else None,
            "mean_true_uplift_eligible": r(uplift[c.person[c.eligible]].mean()) if c.eligible.any() else None,
            "churned_share": r(c.churned.mean()) if len(c.churned) else None,
        },
    }
