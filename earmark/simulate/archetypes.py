"""The hidden archetypes (persuadable, sleeping dog, sure thing, lost cause) and the rates each one lives by.

Every person has one. People, activity, transactions and the campaigns all read this one table, and the
manifest reports it whole, so it stays in one place where the four archetypes can be compared side by side.
"""

from __future__ import annotations

import numpy as np

# Archetypes, in code order. Shares are population targets; admins draw from ADMIN_SHARES and regular users
# from the shares that make the population hit the targets.
ARCHETYPES = ("persuadable", "sleeping_dog", "sure_thing", "lost_cause")
PERSUADABLE, SLEEPING_DOG, SURE_THING, LOST_CAUSE = range(4)
SHARES = np.array([0.30, 0.12, 0.20, 0.38])
ADMIN_SHARES = np.array([0.22, 0.13, 0.45, 0.20])
EXTRA_ADMIN_RATE = 0.04  # besides the first user, in accounts of 5+ users
INVOICES_PER_YEAR = np.array([5.0, 7.0, 6.0, 1.0])
EXTRA_LINES = np.array([2.5, 3.5, 3.0, 1.5])  # lines per invoice = 1 + Poisson(EXTRA_LINES)
ACTIVE_P = np.array([0.75, 0.90, 0.60, 0.04])  # chance of any activity on a weekday (day 0)
EXTRA_SESSIONS = np.array([1.0, 3.0, 1.2, 0.2])  # sessions per active day = 1 + Poisson(.)
MINUTES_PER_SESSION = np.array([16.0, 22.0, 18.0, 5.0])
ACTIONS_PER_MINUTE = np.array([1.3, 5.0, 1.6, 0.8])
P_CONTROL = np.array([[0.08, 0.20], [0.35, 0.60], [0.60, 0.80], [0.01, 0.03]])
UPLIFT = np.array([[0.10, 0.25], [-0.20, -0.08], [-0.02, 0.02], [-0.005, 0.005]])
PERSUADABLE_WEEKLY_DECLINE = (0.10, 0.20)
WEEKEND_FACTOR = 0.3
LOST_CAUSE_STOP_DAYS = (20, 520)  # lost causes stop this many days after max(signup, 2025-01-01)
