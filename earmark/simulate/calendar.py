"""The fixed calendar: the order book's year, the activity window, and both campaigns' dates and windows.

It does not depend on the seed and every other part reads it, so it sits below them all. Times are integer
seconds since 1970-01-01 (naive timestamps).
"""

from __future__ import annotations

from datetime import datetime, timedelta

DAY = 86_400
_EPOCH = datetime(1970, 1, 1)


def _sec(year: int, month: int, day: int) -> int:
    return int((datetime(year, month, day) - _EPOCH).total_seconds())


def _iso(seconds: int) -> str:
    return (_EPOCH + timedelta(seconds=int(seconds))).isoformat(sep=" ")


TX_START = _sec(2025, 1, 1)  # first day of the order book
TX_END = _sec(2026, 1, 1)  # exclusive: the day after the last transaction (365 days)
ACTIVITY_START = _sec(2025, 9, 3)  # first day of daily activity
ACTIVITY_DAYS = 120  # 2025-09-03 .. 2025-12-31
TREATED_AT = _sec(2025, 12, 1)  # campaign start, for every treatments row
OUTCOME_WINDOW_DAYS = 21
OUTCOME_END = TREATED_AT + OUTCOME_WINDOW_DAYS * DAY
CAMPAIGN_ID = "nudge_2025_11"
# The earlier customer-success campaign: account managers called whole accounts.
CALL_CAMPAIGN_ID = "cs_outreach_2025_10"
CALL_AT = _sec(2025, 10, 20)
CALL_WINDOW_DAYS = 21
CALL_END = CALL_AT + CALL_WINDOW_DAYS * DAY
CALL_SIGNUP_BY = CALL_AT - 14 * DAY
CALL_ACTIVITY_DAYS = 21  # decline: active days in the 21 days before the call against the first 21 days
ACCOUNTS_FROM = _sec(2018, 1, 1)  # accounts are opened between these two times
ACCOUNTS_TO = _sec(2024, 11, 1)
LAST_SIGNUP = _sec(2025, 9, 1)  # regular persons sign up before this (new owners of reused refs later)
REUSE_STOPPED_BY = _sec(2025, 10, 1)  # first owners of a reused ref stopped before this
ELIGIBLE_SIGNUP_BY = TREATED_AT - 14 * DAY
CHURN_DAYS = 14  # churned: no activity in the last 14 days of the activity window
FAR_FUTURE = _sec(2030, 1, 1)  # "never stops"
assert ACTIVITY_START + ACTIVITY_DAYS * DAY == TX_END
