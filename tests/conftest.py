"""Test tiers. Every test has exactly one, given by its closest tier marker (a test's own marker over its
module's `pytestmark`):

- unit: pure Python on small data, no dbt, no network, no public data sets; `make test-fast` runs these.
- integration: dbt builds, the public data sets (EARMARK_DATASETS), model fits at full size, benchmarks.
- e2e: Apache Spark (tests/spark) and the report site in a browser (tests/report).

A test without a tier, or with two at the same level, stops the run before any test starts.
"""

from __future__ import annotations

import pytest

TIERS = ("unit", "integration", "e2e")


def tier_of(item: pytest.Item) -> str | None:
    """The closest tier marker's name (the test's own before its class's and module's), or None."""
    return next((mark.name for mark in item.iter_markers() if mark.name in TIERS), None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: before `-m` deselects anything, so `make test-fast` also catches an untiered test.
    problems = []
    chosen = {}
    for item in items:
        for node in item.listchain():
            clashing = sorted({mark.name for mark in node.own_markers if mark.name in TIERS})
            if len(clashing) > 1:
                problems.append(f"{item.nodeid}: {' and '.join(clashing)} on the same {type(node).__name__}")
        tier = tier_of(item)
        if tier is None:
            problems.append(f"{item.nodeid}: no tier")
        elif tier == "unit" and "datasets_dir" in getattr(item, "fixturenames", ()):
            problems.append(f"{item.nodeid}: reads the public data sets, so it is integration, not unit")
        chosen[item] = tier
    if problems:
        raise pytest.UsageError(
            "every test needs exactly one tier marker (unit, integration or e2e; tests/conftest.py):\n  "
            + "\n  ".join(problems)
        )
    # Leave each test only its own tier, so `-m unit` does not also pick the tests of a unit module that
    # are marked integration themselves.
    for item in items:
        for node in item.listchain():
            node.own_markers[:] = [mark for mark in node.own_markers if mark.name not in TIERS]
    for item, tier in chosen.items():
        item.add_marker(tier)
