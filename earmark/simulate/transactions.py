"""The order book: the `transactions` file, one row per invoice line, and the recount of its defects.

Invoices follow each person's archetype and decline. Cancellations, returns, non-product lines, missing and
unknown customers, malformed lines and exact duplicates are injected here and recounted with the pipeline's
first-match rules, so the manifest says exactly what the pipeline should drop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from earmark import contract
from earmark.simulate.archetypes import EXTRA_LINES, INVOICES_PER_YEAR
from earmark.simulate.calendar import ACTIVITY_START, DAY, TX_END, TX_START
from earmark.simulate.catalogue import (
    N_PRODUCTS,
    NON_PRODUCT,
    NON_PRODUCT_CODES,
    NON_PRODUCT_WEIGHTS,
    _catalogue,
)
from earmark.simulate.common import _S_TRANSACTIONS, _rng, _timestamps
from earmark.simulate.defects import DEFECT_RATES, TRANSACTION_RULES, _first_repeats
from earmark.simulate.people import COUNTRIES, _People

FIRST_INVOICE_NUMBER = 536_365
WRITE_CHUNK = 1_000_000  # transaction lines per Parquet write


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
    known = (lines.ref >= 0) & (lines.ref < n_refs)
    hits = {
        "malformed": malformed,
        "exact_duplicate": duplicate,
        "non_product_code": lines.code >= N_PRODUCTS,
        "unmatched_cancellation": np.zeros(len(malformed), dtype=bool),  # decided below, from the kept sales
        "cancellation_invoice": lines.cancellation,
        "stock_write_off": (lines.quantity < 0) & (lines.ref < 0),
        "return": lines.quantity < 0,
        "non_positive_price": lines.price <= 0,
        "missing_customer": lines.ref < 0,
        "unknown_customer": lines.ref >= n_refs,
    }
    status = _first_hits(hits)
    # a cancellation of a known customer with no kept sale of the product by that person at or before it
    kept = status == len(TRANSACTION_RULES)
    cancelled = np.flatnonzero((status == TRANSACTION_RULES.index("cancellation_invoice")) & known)
    hits["unmatched_cancellation"][cancelled] = ~_bought_by_then(lines, kept, cancelled)
    return _first_hits(hits)


def _first_hits(hits: dict[str, np.ndarray]) -> np.ndarray:
    """The first rule of TRANSACTION_RULES each line meets (len(TRANSACTION_RULES) = kept)."""
    status = np.full(len(hits[TRANSACTION_RULES[0]]), len(TRANSACTION_RULES), dtype=np.int8)
    for rule in reversed(TRANSACTION_RULES):
        status[hits[rule]] = TRANSACTION_RULES.index(rule)
    return status


def _bought_by_then(lines: _Lines, kept: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the given lines: did the same person have a kept line of the same code at or before it?"""
    width = int(lines.code.max()) + 1 if len(lines.code) else 1
    key = lines.person.astype(np.int64) * width + lines.code
    kept_rows = np.flatnonzero(kept)
    order = np.lexsort([lines.time[kept_rows], key[kept_rows]])
    kept_keys, first = np.unique(key[kept_rows][order], return_index=True)
    first_time = lines.time[kept_rows][order][first]
    at = np.clip(np.searchsorted(kept_keys, key[rows]), 0, max(len(kept_keys) - 1, 0))
    if not len(kept_keys):
        return np.zeros(len(rows), dtype=bool)
    return (kept_keys[at] == key[rows]) & (first_time[at] <= lines.time[rows])


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
