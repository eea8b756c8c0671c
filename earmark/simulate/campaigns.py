"""The two past campaigns, in the `treatments` and `outcomes` files: the nudge, assigned with a bias towards
already unhappy users, and the earlier customer-success calls, whose account managers chose large and
declining accounts.

Each campaign draws from a stream of its own and the call's rows come after the nudge's, so leaving the
call campaign out (`simulate_world(call_campaign=False)`) only removes its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from earmark import contract
from earmark.simulate.archetypes import P_CONTROL, PERSUADABLE, SLEEPING_DOG, UPLIFT
from earmark.simulate.calendar import (
    CALL_AT,
    CALL_CAMPAIGN_ID,
    CALL_END,
    CALL_SIGNUP_BY,
    CALL_WINDOW_DAYS,
    CAMPAIGN_ID,
    DAY,
    ELIGIBLE_SIGNUP_BY,
    OUTCOME_END,
    OUTCOME_WINDOW_DAYS,
    TREATED_AT,
)
from earmark.simulate.common import _S_CALL, _S_CAMPAIGN, _rng, _timestamps
from earmark.simulate.people import _People

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

CONVERSION_VALUE = np.array([150.0, 400.0, 1200.0])  # mean revenue of a conversion, by plan


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


def _campaign_ids(c: _Campaign, call: _CallCampaign) -> pa.Array:
    """The campaign_id of each row: the nudge's rows first, the call campaign's appended after them."""
    m, k = len(c.person), len(call.person)
    return pa.array([CAMPAIGN_ID] * m + [CALL_CAMPAIGN_ID] * k, type=pa.string())


def _campaign_tables(p: _People, c: _Campaign, call: _CallCampaign) -> tuple[pa.Table, pa.Table]:
    """The `treatments` and `outcomes` files, one row per listed person and campaign, in the same order."""
    refs = p.ref_strings.take(pa.array(p.ref[c.person]))
    call_refs = p.ref_strings.take(pa.array(p.ref[call.person]))
    m, k = len(c.person), len(call.person)
    campaign = _campaign_ids(c, call)
    all_refs = pa.concat_arrays([refs, call_refs])
    treated = np.concatenate([c.treated, call.treated])
    channel = np.concatenate([np.where(c.email_channel, "email", "in_app"), np.full(k, "call")])
    arm = np.concatenate(
        [np.where(c.treated, "nudge", "control"), np.where(call.treated, "human_outreach", "control")]
    )
    treatments = pa.Table.from_arrays(
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
    )
    outcomes = pa.Table.from_arrays(
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
    )
    return treatments, outcomes
