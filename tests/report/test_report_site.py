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

import html.parser
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)

from earmark.report_server import launch_chromium, serve, wait_until_settled  # noqa: E402

# Evidence's own folders in a build: the app bundle, query results, data, and its explore/settings UIs.
NOT_PAGES = {"_app", "api", "data", "explore", "settings"}
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


def discover_routes(build: Path) -> list[str]:
    """Every page of the build as a route ('/', '/data-quality/', '/accounts/A00001/'), sorted."""
    routes = []
    for index in build.rglob("index.html"):
        parts = index.relative_to(build).parts[:-1]
        if parts and parts[0] in NOT_PAGES:
            continue
        routes.append("/" + "".join(f"{part}/" for part in parts))
    return sorted(routes)


def account_id_of(route: str) -> str | None:
    parts = route.strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[0] == "accounts" else None


def screenshot_name(route: str) -> str:
    return (route.strip("/").replace("/", "-") or "index") + ".png"


with duckdb.connect(str(DB), read_only=True) as _con:
    ACCOUNT_ACTIONS: dict[str, str] = dict(
        _con.sql("select account_id, action from account_actions order by account_id").fetchall()
    )

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


BROWSER_ROUTES = OTHER_ROUTES + [f"/accounts/{account_id}/" for account_id in account_sample()]


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


class _TestIdText(html.parser.HTMLParser):
    """The text inside each element with a data-testid, from static HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self.text_parts: list[str] = []
        self._open: list[tuple[str, int]] = []  # (testid, depth at which it opened)
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
            return
        self._depth += 1
        testid = dict(attrs).get("data-testid")
        if testid:
            self._open.append((testid, self._depth))
            self.texts.setdefault(testid, "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
            return
        if self._open and self._open[-1][1] == self._depth:
            self._open.pop()
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        for testid, _ in self._open:
            self.texts[testid] += data


def test_every_account_page_prerenders_its_id_and_action() -> None:
    problems = []
    for route in ACCOUNT_ROUTES:
        account_id = account_id_of(route)
        parser = _TestIdText()
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


@dataclass
class PageLog:
    """Everything a page did that counts as a failure."""

    problems: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        self.problems.append(problem)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in {"http", "https", "ws", "wss"} or parts.hostname == "127.0.0.1"


ALL_QUERIES = re.compile(r"/api/[0-9a-f]{32}/[0-9a-f]{32}/all-queries\.json$")


def has_no_queries(route: str) -> bool:
    """A page without any query has no all-queries.json; Evidence asks for it anyway and takes the 404 as
    'nothing prerendered'. Only that 404 is tolerated, and only on such a page."""
    meta = BUILD / "api" / route.strip("/") / "evidencemeta.json"
    return meta.is_file() and not json.loads(meta.read_text()).get("queries")


def watch(page: Page, route: str, log: PageLog) -> None:
    """Record every console error, page error, failed request, HTTP error and request off 127.0.0.1."""
    queryless = has_no_queries(route)

    def tolerated(url: str) -> bool:
        return queryless and bool(ALL_QUERIES.search(urlsplit(url).path))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not tolerated(message.location.get("url", "")):
            log.add(f"console error: {message.text[:500]}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and not (response.status == 404 and tolerated(response.url)):
            log.add(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.add(f"page error: {str(error)[:500]}"))
    page.on("requestfailed", lambda request: log.add(f"request failed: {request.url} ({request.failure})"))
    page.on("response", on_response)
    page.on("request", lambda r: is_local(r.url) or log.add(f"request to another host: {r.url}"))


# What the DOM shows: chart containers and whether each drew, tables and their data rows, Evidence's error
# boxes (ErrorChart, ValueError, BigValueError, InlineError: bg-negative/10 with border-negative/50),
# empty-data placeholders (EmptyChart with emptySet warn/pass: dashed muted box) and a DataTable's
# visible "No Results", and the text of every data-testid element.
INSPECT_JS = """() => {
  const shown = (e) => e.checkVisibility() && !e.closest('dialog:not([open])');
  const box = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const inked = (canvas) => {
    try {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    } catch (error) { return -1; }
  };
  const charts = [...document.querySelectorAll('.chart-container')].filter(shown).map((c, i) => {
    const instance = c.querySelector('[_echarts_instance_]');
    const surfaces = instance ? [...instance.querySelectorAll('canvas, svg')].filter(box) : [];
    const ink = surfaces.reduce((n, s) => n + (s.tagName === 'CANVAS' ? inked(s)
        : s.querySelectorAll('path, rect, circle, text').length), 0);
    return {index: i, instance: !!instance, surfaces: surfaces.length, ink: ink};
  });
  const tables = [...document.querySelectorAll('table')].filter(shown).map((t, i) => ({
    index: i,
    testid: (t.closest('[data-testid]') || {dataset: {}}).dataset.testid || null,
    rows: [...t.querySelectorAll('tr')].filter((r) => r.querySelector('td')).length,
  }));
  const errors = [...document.querySelectorAll('[class~="bg-negative/10"][class~="border-negative/50"]')]
      .map((e) => e.textContent.replace(/\\s+/g, ' ').trim().slice(0, 300));
  const empty = [...document.querySelectorAll(
      '[class~="border-dashed"][class~="text-base-content-muted"], .noresults.shownoresults')]
      .filter(shown).map((e) => e.textContent.replace(/\\s+/g, ' ').trim().slice(0, 200));
  const testids = {};
  for (const e of document.querySelectorAll('[data-testid]')) {
    if (!e.dataset.testid.startsWith('DataTable-')) testids[e.dataset.testid] = e.innerText.trim();
  }
  return {charts, tables, errors, empty, testids, title: document.title};
}"""


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
    log = PageLog()
    page = context.new_page()
    watch(page, route, log)
    try:
        response = page.goto(site_url + route.lstrip("/"), wait_until="load")
        if response is None or response.status != 200:
            log.add(f"navigation status {response.status if response else 'none'}")
        if not wait_until_settled(page):
            log.add("charts did not all draw within the timeout")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / screenshot_name(route)), full_page=True)
        dom = page.evaluate(INSPECT_JS)
    finally:
        page.close()

    for chart in dom["charts"]:
        if not chart["instance"] or not chart["surfaces"] or chart["ink"] <= 0:
            log.add(f"chart #{chart['index']} not drawn: {chart}")
    for table in dom["tables"]:
        if table["rows"] == 0:
            log.add(f"table #{table['index']} ({table['testid']}) has no data rows")
    for error in dom["errors"]:
        log.add(f"Evidence error box: {error}")
    for empty in dom["empty"]:
        log.add(f"empty-data placeholder: {empty}")
    check_testids(route, dom["testids"], log)

    if log.problems:
        pytest.fail(
            f"{route} ({len(dom['charts'])} charts, {len(dom['tables'])} tables; screenshot "
            f"{SCREENSHOTS / screenshot_name(route)}):\n  " + "\n  ".join(log.problems),
            pytrace=False,
        )
