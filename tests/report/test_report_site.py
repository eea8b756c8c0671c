"""The built report site in a real browser: every page loads offline without errors, charts draw, tables
have rows, no Evidence error box or empty placeholder shows, and the headline numbers equal the marts.

Run by `make test-report`, which builds the site from the test warehouse and sets
EARMARK_REPORT_BUILD (the built site), EARMARK_DB (the warehouse it was built from) and
EARMARK_SCREENSHOTS (where every opened page is screenshotted). Without a built site the module skips.

Pages are every index.html of the build except Evidence's own folders. The 2,500-odd account pages are
all checked in their prerendered HTML; the browser opens every other page plus a deterministic sample of
account pages (the first account of each action and the first ten by id).
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
    IdTextParser,
    PageLog,
    account_slug,
    discover_routes,
    is_local,
    open_and_inspect,
    screenshot_name,
)

from earmark.report_server import launch_chromium, serve  # noqa: E402

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
    },
    "/data-quality/": {
        "kept-transactions": (
            "number",
            "select rows_assigned from data_quality where input_file = 'transactions' and rule = 'kept_sale'",
        ),
    },
}


def mart_value(sql: str, *params: object) -> object:
    with duckdb.connect(str(DB), read_only=True) as con:
        rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"{sql}: expected one row, got {len(rows)}"
    return rows[0][0]


def account_id_of(route: str) -> str | None:
    parts = route.strip("/").split("/")
    if len(parts) != 2 or parts[0] != "accounts":
        return None
    return ACCOUNT_BY_SLUG.get(parts[1], f"<no account with slug {parts[1]}>")


with duckdb.connect(str(DB), read_only=True) as _con:
    ACCOUNT_ACTIONS: dict[str, str] = dict(
        _con.sql("select account_id, action from account_actions order by account_id").fetchall()
    )

ACCOUNT_BY_SLUG = {account_slug(account_id): account_id for account_id in ACCOUNT_ACTIONS}

ROUTES = discover_routes(BUILD)
ACCOUNT_ROUTES = [route for route in ROUTES if account_id_of(route)]
OTHER_ROUTES = [route for route in ROUTES if not account_id_of(route)]


def account_sample() -> list[str]:
    """The first account (by id) of each action, plus the first ten accounts by id."""
    built = sorted(account_id_of(route) for route in ACCOUNT_ROUTES)
    first_of_action: dict[str, str] = {}
    for account_id in built:
        first_of_action.setdefault(ACCOUNT_ACTIONS.get(account_id, "?"), account_id)
    return sorted(set(first_of_action.values()) | set(built[:ACCOUNT_SAMPLE_FIRST_N]))


BROWSER_ROUTES = OTHER_ROUTES + [f"/accounts/{account_slug(account_id)}/" for account_id in account_sample()]


# --- the build as files ------------------------------------------------------------------------------


def test_build_has_the_expected_pages() -> None:
    for route in EXPECTED_TESTIDS:
        assert route in ROUTES, f"{route} is not in the build {BUILD}"
    assert ACCOUNT_ROUTES, f"no account pages under {BUILD}/accounts/"


def test_one_account_page_per_account() -> None:
    built = {account_id_of(route) for route in ACCOUNT_ROUTES}
    missing = sorted(set(ACCOUNT_ACTIONS) - built)
    extra = sorted(built - set(ACCOUNT_ACTIONS))
    assert not missing, f"{len(missing)} accounts of account_actions have no page, e.g. {missing[:5]}"
    assert not extra, f"{len(extra)} account pages are not in account_actions, e.g. {extra[:5]}"


def test_every_account_page_prerenders_its_id_and_action() -> None:
    problems = []
    for route in ACCOUNT_ROUTES:
        account_id = account_id_of(route)
        parser = IdTextParser()
        parser.feed((BUILD / route.strip("/") / "index.html").read_text(encoding="utf-8"))
        if account_id not in " ".join(parser.text_parts):
            problems.append(f"{route}: account id {account_id} not in the page text")
        shown = parser.texts.get("account-action")
        if shown is None:
            problems.append(f"{route}: no data-testid=account-action")
        elif shown.strip() != (action := ACCOUNT_ACTIONS.get(account_id)):
            problems.append(f"{route}: account-action shows {shown.strip()!r}, the mart says {action!r}")
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n  " + "\n  ".join(problems[:40]), pytrace=False)


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
        return {"account-action": ("text", ACCOUNT_ACTIONS.get(account_id, "<not in account_actions>"))}
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


@pytest.mark.parametrize("route", BROWSER_ROUTES)
def test_page_in_browser(route: str, site_url: str, context: BrowserContext) -> None:
    dom, log = open_and_inspect(context, site_url, BUILD, route, SCREENSHOTS / screenshot_name(route))
    check_testids(route, dom["testids"], log)

    if log.problems:
        pytest.fail(
            f"{route} ({len(dom['charts'])} charts, {len(dom['tables'])} tables; screenshot "
            f"{SCREENSHOTS / screenshot_name(route)}):\n  " + "\n  ".join(log.problems),
            pytrace=False,
        )
