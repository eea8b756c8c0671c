"""The audit-only truth: `truth_identity`, `truth_users`, `truth_effects`, `truth_defects` and
`manifest.json`.

Never an input of the pipeline: the audits and the tests check the pipeline's answers against them. Kept
apart from the parts that write the raw input files, so it is plain which outputs a real company would not
have.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

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
    LOST_CAUSE_STOP_DAYS,
    MINUTES_PER_SESSION,
    P_CONTROL,
    PERSUADABLE_WEEKLY_DECLINE,
    SHARES,
    UPLIFT,
)
from earmark.simulate.calendar import (
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
    OUTCOME_END,
    OUTCOME_WINDOW_DAYS,
    TREATED_AT,
    TX_END,
    TX_START,
    _iso,
)
from earmark.simulate.campaigns import (
    CALL_ANNOYED_ADMIN,
    CALL_DECLINE_FULL,
    CALL_DECLINE_WEIGHT,
    CALL_PERSUADABLE_DECLINE_BONUS,
    CALL_PERSUADABLE_SIZE_BONUS,
    CALL_PROPENSITY_BASE,
    CALL_SIZE_FULL,
    CALL_SIZE_WEIGHT,
    CALL_UPLIFT,
    EMAIL_CHANNEL_SHARE,
    INELIGIBLE_RATE,
    PROPENSITY_BASE,
    PROPENSITY_SPAN,
    _CallCampaign,
    _Campaign,
    _campaign_ids,
)
from earmark.simulate.defects import ACTIVITY_RULES, DEFECT_RATES, NULL_EMAIL_RATE, TRANSACTION_RULES
from earmark.simulate.people import (
    COUNTRIES,
    COUNTRY_SHARES,
    PREMIUM_RATE,
    _account_ids,
    _People,
    _person_ids,
)


def _truth_identity_table(p: _People, rec: dict[str, Any]) -> pa.Table:
    """The true person behind each customer record, in the order of the `customers` file."""
    customer_ref = p.ref_strings.take(pa.array(rec["ref"]))
    email = pa.array(rec["email"], type=pa.string())
    return pa.Table.from_arrays(
        [customer_ref, email, _person_ids(rec["person"])],
        schema=contract.arrow_schema(contract.TRUTH_IDENTITY),
    )


def _truth_effects_table(p: _People, c: _Campaign, call: _CallCampaign) -> pa.Table:
    """Per campaign and listed person, in the order of `treatments`: the true propensity and the campaign's
    own potential outcomes."""
    campaign = _campaign_ids(c, call)
    persons = np.concatenate([c.person, call.person])
    effect_p_control = np.concatenate([c.p_control[c.person], call.p_control])
    effect_p_treated = np.concatenate([c.p_treated[c.person], call.p_treated])
    return pa.Table.from_arrays(
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
    )


def _truth_users_table(p: _People, c: _Campaign) -> pa.Table:
    """Per person (listed or not): the hidden archetype and the nudge's potential outcomes."""
    everyone = np.arange(p.n)
    return pa.Table.from_arrays(
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
    )


def _defect_rows(p: _People, tx_status: np.ndarray, activity_status: np.ndarray) -> list[dict]:
    """The rows of `truth_defects`: the defects recounted on the final tables, per file and rule."""
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
    return defects


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
