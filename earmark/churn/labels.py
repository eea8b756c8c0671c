"""Plain words for the covariates, in one place: what each measures, and a sentence for a driver
("few active days in the last 30 days raises churn risk"). A column without a label gets one made from its
name, so a new covariate or an attribute of the customers input is still described."""

from __future__ import annotations

# column -> (what a low value reads as, what a high value reads as)
LABELS: dict[str, tuple[str, str]] = {
    "pre_recency_days": ("a recent purchase", "a long time since the last purchase"),
    "pre_frequency": ("few purchases", "many purchases"),
    "pre_monetary": ("low spend", "high spend"),
    "pre_spend_30_days": ("low spend in the last 30 days", "high spend in the last 30 days"),
    "pre_active_days_30": ("few active days in the last 30 days", "many active days in the last 30 days"),
    "pre_actions": ("few product actions", "many product actions"),
    "pre_intensity": ("light product use", "heavy product use"),
    "pre_activity_momentum": ("falling activity", "rising activity"),
    "pre_tenure_days": ("a short tenure", "a long tenure"),
    "is_admin": ("not being an account admin", "being an account admin"),
    "pre_account_customers": ("a small account", "a large account"),
    "pre_account_active_days_30": (
        "an account with few active days in the last 30 days",
        "an account with many active days in the last 30 days",
    ),
    "pre_account_activity_momentum": ("falling account activity", "rising account activity"),
    "pre_account_admin_intensity": (
        "light product use by the account's admins",
        "heavy product use by the account's admins",
    ),
}


def _words(column: str) -> str:
    return column.removeprefix("pre_").removeprefix("is_").replace("_", " ")


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def describe(feature: str, value: float, typical: float) -> str:
    """What the customer's value of a matrix column says in words: the low or high reading of its label
    (against the typical value, the training median, both given), or for a one-hot column
    `<column>=<category>` whether the customer is in that category."""
    if "=" in feature:
        column, category = feature.split("=", 1)
        category = "another value" if category == "__other__" else category
        return f"{_words(column)} {'is' if value >= 0.5 else 'is not'} {category}"
    if value != value:  # NaN: nothing measured
        return f"no {_words(feature)} measured"
    low, high = LABELS.get(feature, (f"a low {_words(feature)}", f"a high {_words(feature)}"))
    # the numbers stay in the sentence: "many" is against the median, which may itself be low
    return f"{high if value > typical else low} ({_number(value)}; typical {_number(typical)})"


def phrase(feature: str, value: float, typical: float, contribution: float, outcome: str) -> str:
    """A driver in one sentence: '<description> raises|lowers <outcome>'."""
    direction = "raises" if contribution > 0 else "lowers"
    return f"{describe(feature, value, typical)} {direction} {outcome}"
