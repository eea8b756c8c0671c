"""Accounts, persons and customer records: the `accounts` and `customers` files and the hidden facts behind
them.

Built first, from a stream of its own: every later part reads `_People` (archetype, signup, when a lost
cause stops, which persons have a duplicated record or hand their customer ref to a colleague).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from earmark import contract
from earmark.simulate.archetypes import (
    ACTIONS_PER_MINUTE,
    ADMIN_SHARES,
    EXTRA_ADMIN_RATE,
    LOST_CAUSE,
    LOST_CAUSE_STOP_DAYS,
    PERSUADABLE,
    PERSUADABLE_WEEKLY_DECLINE,
    SHARES,
    SLEEPING_DOG,
)
from earmark.simulate.calendar import (
    ACCOUNTS_FROM,
    ACCOUNTS_TO,
    DAY,
    FAR_FUTURE,
    LAST_SIGNUP,
    REUSE_STOPPED_BY,
    TX_START,
)
from earmark.simulate.common import _S_PEOPLE, _categorical, _ids, _rng, _timestamps
from earmark.simulate.defects import DEFECT_RATES, NULL_EMAIL_RATE
from earmark.simulate.emails import (
    DOMAIN_HEADS,
    DOMAIN_TAILS,
    EMAIL_TAGS,
    FIRST_NAMES,
    LAST_NAMES,
    _email_variant,
)

COUNTRIES = ("United Kingdom", "Germany", "France", "Netherlands", "United States", "Spain", "Sweden")
COUNTRY_SHARES = np.array([0.35, 0.18, 0.12, 0.10, 0.15, 0.06, 0.04])
COUNTRY_TLD = ("co.uk", "de", "fr", "nl", "com", "es", "se")
PLANS = ("starter", "growth", "enterprise")
SEAT_PRICE = np.array([180.0, 420.0, 780.0])
INDUSTRIES = ("software", "retail", "manufacturing", "healthcare", "finance", "education", "logistics")
JOB_LEVELS = ("individual", "senior", "manager", "director", "executive")
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1000+")
PREMIUM_RATE = 0.10


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


def _accounts_table(p: _People) -> pa.Table:
    """The `accounts` file, with the industry as an extra attribute column."""
    accounts_schema = contract.arrow_schema(contract.ACCOUNTS).append(pa.field("industry", pa.string()))
    return pa.Table.from_arrays(
        [
            _account_ids(np.arange(p.n_accounts)),
            pa.array(PLANS).take(pa.array(p.acc_plan.astype(np.int64))),
            pa.array(p.acc_seats, type=pa.int64()),
            pa.array(p.acc_value, type=pa.float64()),
            _timestamps(p.acc_created),
            pa.array(INDUSTRIES).take(pa.array(p.acc_industry.astype(np.int64))),
        ],
        schema=accounts_schema,
    )


def _customers_table(p: _People, rec: dict[str, Any]) -> pa.Table:
    """The `customers` file, one row per customer record (`_customer_records`), with the job level and the
    company size band as extra attribute columns."""
    person = rec["person"]
    customer_ref = p.ref_strings.take(pa.array(rec["ref"]))
    email = pa.array(rec["email"], type=pa.string())
    countries = pa.array(COUNTRIES)
    customers_schema = (
        contract.arrow_schema(contract.CUSTOMERS)
        .append(pa.field("job_level", pa.string()))
        .append(pa.field("company_size_band", pa.string()))
    )
    return pa.Table.from_arrays(
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
    )
