"""The built report site in a real browser: every page loads offline without errors, charts draw, tables
have rows, no Evidence error box or empty placeholder shows, and the headline numbers equal the marts.

Run by `make test-report`, which builds the site from the test warehouse and sets
EARMARK_REPORT_BUILD (the built site), EARMARK_DB (the warehouse it was built from) and
EARMARK_SCREENSHOTS (where every opened page is screenshotted). Without a built site the module skips.

Pages are every index.html of the build except Evidence's own folders. One lookup page serves every
account (its id in the query string, its rows queried in the browser), so the build holds no page per
account: the data file the lookup queries must hold every account of the mart with its action and reason,
and the browser opens every page plus the lookup of a deterministic sample of accounts (the first of each
action and the first ten by id) and of an id that is not an account; a lookup whose data cannot load
says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ["EARMARK_REPORT_BUILD"]) if os.environ.get("EARMARK_REPORT_BUILD") else None
DB = Path(os.environ["EARMARK_DB"]) if os.environ.get("EARMARK_DB") else None
SCREENSHOTS = PROJECT_ROOT / os.environ.get("EARMARK_SCREENSHOTS", "target/report_screenshots")

if BUILD is None:
    pytest.skip(
        "EARMARK_REPORT_BUILD is not set: run `make test-report` to build the site and check it",
        allow_module_level=True,
    )
if not (BUILD / "index.html").is_file():
    pytest.skip(f"{BUILD}/index.html missing: the report site is not built", allow_module_level=True)
if DB is None or not DB.is_file():
    pytest.skip(
        f"EARMARK_DB ({DB}) is not a warehouse file: the site's numbers cannot be checked",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, sync_playwright  # noqa: E402
from site_checks import (  # noqa: E402
    PageLog,
    account_route,
    discover_routes,
    is_local,
    open_and_inspect,
    screenshot_name,
)

from earmark.reporting.site_server import launch_chromium, serve, wait_until_settled  # noqa: E402

pytestmark = pytest.mark.e2e

ACCOUNT_SAMPLE_FIRST_N = 10

# Numbers and words the pages show in <span data-testid=...>, and the mart query each must equal.
EXPECTED_TESTIDS = {
    "/": {
        "targeted-accounts": ("number", "select count(*) from target_accounts"),
        "segmentation-verdict": (
            "text",
            "select verdict from segmentation_verdict where criterion = 'overall'",
        ),
        "currency": (
            "text",
            "select trim(parameter_value, '\"') from run_parameters where parameter_name = 'currency'",
        ),
    },
    "/policy/": {
        "conversion-value-source": (
            "text",
            "select trim(parameter_value, '\"') from run_parameters "
            "where parameter_name = 'conversion_value_source'",
        ),
    },
    "/data-quality/": {
        "kept-transactions": (
            "number",
            "select rows_assigned from data_quality where input_file = 'transactions' and rule = 'kept_sale'",
        ),
    },
    "/customer-value/": {
        "valued-customers": ("number", "select count(*) from customer_value"),
        "bands-below": (
            "number",
            "select count(*) filter (where is_below_a_lower_band) from treatment_band_review",
        ),
    },
    "/readback/": {
        "readback-targeted-customers": (
            "number",
            "select coalesce(max(targeted_customers) filter (where channel = 'all'), 0) from policy_readback",
        ),
    },
    "/churn/": {
        "churn-training-rows": ("number", "select training_rows from churn_model_quality"),
    },
}

# Statements a page must show in a data-testid element, by how their text begins.
STATEMENTS = {
    "/churn/": {"churn-not-a-reason": "Churn risk is not a reason to act. Uplift is."},
}


def mart_value(sql: str, *params: object) -> object:
    with duckdb.connect(str(DB), read_only=True) as con:
        rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"{sql}: expected one row, got {len(rows)}"
    return rows[0][0]


with duckdb.connect(str(DB), read_only=True) as _con:
    ACCOUNT_ACTIONS: dict[str, str] = dict(
        _con.sql("select account_id, action from account_actions order by account_id").fetchall()
    )
    DECIDING_GATES: dict[str, str] = dict(
        _con.sql("select account_id, deciding_gate from account_actions").fetchall()
    )
    # account -> the driver phrases its page must show (faithful surrogates) and whether any arm's
    # surrogate is not faithful enough (the page must then say so instead)
    UPLIFT_DRIVERS: dict[str, tuple[list[str], bool]] = {
        account_id: (list(phrases), bool(unfaithful))
        for account_id, phrases, unfaithful in _con.sql(
            "select account_id, list(phrase order by campaign_id, scored_arm, driver_rank) "
            "filter (where is_faithful), bool_or(not is_faithful) "
            "from account_uplift_drivers group by account_id"
        ).fetchall()
    }

ROUTES = discover_routes(BUILD)
ACCOUNT_BY_ROUTE = {account_route(account_id): account_id for account_id in ACCOUNT_ACTIONS}
UNKNOWN_ACCOUNT = "no such account"


def account_id_of(route: str) -> str | None:
    return ACCOUNT_BY_ROUTE.get(route)


def account_sample() -> list[str]:
    """The first account (by id) of each action, plus the first ten accounts by id."""
    first_of_action: dict[str, str] = {}
    for account_id, action in ACCOUNT_ACTIONS.items():
        first_of_action.setdefault(action, account_id)
    return sorted(set(first_of_action.values()) | set(list(ACCOUNT_ACTIONS)[:ACCOUNT_SAMPLE_FIRST_N]))


BROWSER_ROUTES = ROUTES + [account_route(account_id) for account_id in account_sample()]


# --- the build as files ------------------------------------------------------------------------------


def test_build_has_the_expected_pages() -> None:
    for route in [*EXPECTED_TESTIDS, "/accounts/", "/accounts/lookup/"]:
        assert route in ROUTES, f"{route} is not in the build {BUILD}"


def test_the_build_holds_no_page_per_account() -> None:
    """The site's size does not grow with the accounts: the only pages under /accounts/ are the list and
    the lookup."""
    account_pages = [route for route in ROUTES if route.startswith("/accounts/")]
    assert account_pages == ["/accounts/", "/accounts/lookup/"]


def test_every_account_is_reachable_with_its_action_and_reason() -> None:
    """The data file the list and the lookup query holds every account of the mart, with the mart's action
    and reason and a link to its lookup."""
    (data_file,) = (BUILD / "data" / "earmark" / "account_actions").glob("*/account_actions.parquet")
    with duckdb.connect(str(DB), read_only=True) as con:
        in_site = con.execute(
            "select account_id, action, reason, account_link from read_parquet(?) order by account_id",
            [str(data_file)],
        ).fetchall()
        in_mart = con.sql(
            "select account_id, action, reason from account_actions order by account_id"
        ).fetchall()
    assert [row[:3] for row in in_site] == in_mart
    assert all(reason for _, _, reason, _ in in_site)
    assert [link for *_, link in in_site] == [account_route(account_id) for account_id, *_ in in_site]


# --- the site in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    with serve(BUILD, port=0) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Nothing may leave the machine: a request to another host is recorded by watch() and aborted here.
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    yield context
    context.close()


def expected_testids(route: str) -> dict[str, tuple[str, object]]:
    """data-testid -> (kind, expected value) for a route."""
    account_id = account_id_of(route)
    if account_id:
        return {
            "account-action": ("text", ACCOUNT_ACTIONS.get(account_id, "<not in account_actions>")),
            "deciding-gate": ("text", DECIDING_GATES.get(account_id, "<not in account_actions>")),
        }
    expected = EXPECTED_TESTIDS.get(route, {})
    return {testid: (kind, mart_value(sql)) for testid, (kind, sql) in expected.items()}


def check_testids(route: str, shown: dict[str, str], log: PageLog) -> None:
    for testid, (kind, expected) in expected_testids(route).items():
        if testid not in shown:
            log.add(f'data-testid="{testid}" missing (expected {expected!r})')
            continue
        text = shown[testid]
        if kind == "number":
            if not re.fullmatch(r"-?[\d,]+(\.\d+)?", text) or float(text.replace(",", "")) != float(expected):
                log.add(f'data-testid="{testid}" shows {text!r}, the mart says {expected:,}')
            elif text != f"{expected:,}":
                log.add(f'data-testid="{testid}" shows {text!r}, expected the format {expected:,}')
        elif text != str(expected):
            log.add(f'data-testid="{testid}" shows {text!r}, the mart says {expected!r}')


def check_uplift_drivers(account_id: str, shown: str, log: PageLog) -> None:
    """The account page says why the uplift model scored its customers so: every faithful driver phrase of the
    mart, and for an arm whose surrogate is not faithful, that it is not."""
    phrases, unfaithful = UPLIFT_DRIVERS.get(account_id, ([], False))
    no_drivers = "No uplift score of this account's customers is explained"
    if not phrases and not unfaithful and no_drivers not in shown:
        log.add("the account has no uplift drivers, and its page does not say so")
    for phrase in phrases:
        if phrase not in shown:
            log.add(f"the uplift driver {phrase!r} is not on the account page")
    if unfaithful and "not faithful enough" not in shown:
        log.add("an arm's surrogate is not faithful, and the account page does not say so")


@pytest.mark.parametrize("route", BROWSER_ROUTES)
def test_page_in_browser(route: str, site_url: str, context: BrowserContext) -> None:
    dom, log = open_and_inspect(context, site_url, BUILD, route, SCREENSHOTS / screenshot_name(route))
    check_testids(route, dom["testids"], log)
    for testid, start in STATEMENTS.get(route, {}).items():
        if not " ".join(dom["testids"].get(testid, "").split()).startswith(start):
            log.add(f'data-testid="{testid}" does not say {start!r}')
    account_id = account_id_of(route)
    text = " ".join(dom["text"].split())
    if account_id and f"Account {account_id}" not in text:
        log.add(f"the heading does not name the account {account_id!r}")
    if account_id:
        check_uplift_drivers(
            account_id, " ".join(dom["testids"].get("account-uplift-drivers", "").split()), log
        )

    if log.problems:
        pytest.fail(
            f"{route} ({len(dom['charts'])} charts, {len(dom['tables'])} tables; screenshot "
            f"{SCREENSHOTS / screenshot_name(route)}):\n  " + "\n  ".join(log.problems),
            pytrace=False,
        )


def test_lookup_of_an_unknown_id_says_so(site_url: str, context: BrowserContext) -> None:
    route = account_route(UNKNOWN_ACCOUNT)
    dom, log = open_and_inspect(context, site_url, BUILD, route, SCREENSHOTS / screenshot_name(route))
    assert not log.problems, log.problems
    assert f"No account with the id {UNKNOWN_ACCOUNT} is in account_actions" in " ".join(dom["text"].split())
    assert "account-action" not in dom["testids"]


def test_lookup_whose_data_cannot_load_says_so(site_url: str, browser: Browser) -> None:
    """A lookup whose query fails shows the error instead of waiting forever: the account mart's data file
    is made unreachable for this page only."""
    account_id = next(iter(ACCOUNT_ACTIONS))
    context = browser.new_context()
    try:
        context.route("**/account_actions/**", lambda route: route.abort())
        page = context.new_page()
        page.goto(site_url + account_route(account_id).lstrip("/"), wait_until="load")
        assert wait_until_settled(page), "the lookup was still settling after the timeout"
        shown = page.get_by_test_id("lookup-error").inner_text()
        assert shown.startswith(f"The lookup of {account_id} failed:"), shown
        assert page.get_by_test_id("account-action").count() == 0
    finally:
        context.close()
