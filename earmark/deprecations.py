"""Public names renamed from "user" to "customer", kept for one release and removed in the next
(CHANGELOG.md, docs/architecture.md "Deprecations"). The vars' mapping is written here for Python and in
macros/deprecated_var.sql for dbt; tests/python/test_deprecations.py checks that the two agree."""

from __future__ import annotations

# Deprecated dbt var -> its replacement.
RENAMED_VARS: dict[str, str] = {
    "cost_per_automated_user": "cost_per_automated_customer",
    "toxic_user_share": "toxic_customer_share",
    "min_account_users": "min_account_customers",
}

# Deprecated mart -> its replacement; per mart, deprecated column -> its replacement (the old columns are
# copies of the new ones, the old mart a view over the new one).
RENAMED_MARTS: dict[str, str] = {"user_uplift_scores": "customer_uplift_scores"}
RENAMED_COLUMNS: dict[str, dict[str, str]] = {
    "account_actions": {
        "users": "customers",
        "scored_users": "scored_customers",
        "nudge_audience_users": "nudge_audience_customers",
        "is_toxic_users": "is_toxic_customers",
    },
    "policy_funnel": {"scored_users": "scored_customers"},
    "target_accounts": {"scored_users": "scored_customers"},
    "policy_comparison": {"users": "customers"},
    "policy_audit": {"users": "customers", "reached_users": "reached_customers"},
    "policy_readback": {"targeted_users": "targeted_customers", "held_out_users": "held_out_customers"},
    "account_uplift_drivers": {"scored_users": "scored_customers"},
}
