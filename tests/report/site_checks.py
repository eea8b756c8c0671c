"""What the report-site tests share: the routes of a build, an account's lookup route, and a page opened
in Chromium with everything that counts as a failure recorded (console and page errors, failed or off-host
requests, HTTP errors, Evidence's error boxes, empty-data placeholders, tables without rows,
charts not drawn).

Used by test_report_site.py (the demo world's site) and test_site_inputs.py (the site on other inputs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from playwright.sync_api import ConsoleMessage, Page, Response

from earmark.reporting.site_server import wait_until_settled

# Evidence's own folders in a build: the app bundle, query results, data, and its explore/settings UIs.
NOT_PAGES = {"_app", "api", "data", "explore", "settings"}


def discover_routes(build: Path) -> list[str]:
    """Every page of the build as a route ('/', '/data-quality/', '/accounts/lookup/'), sorted."""
    routes = []
    for index in build.rglob("index.html"):
        parts = index.relative_to(build).parts[:-1]
        if parts and parts[0] in NOT_PAGES:
            continue
        routes.append("/" + "".join(f"{part}/" for part in parts))
    return sorted(routes)


def account_route(account_id: str) -> str:
    """The lookup page's route for an account, as the account list links it
    (reports/sources/earmark/account_actions.sql): the id percent-encoded whole, DuckDB's url_encode."""
    return "/accounts/lookup/?id=" + quote(account_id, safe="")


def screenshot_name(route: str) -> str:
    """A file name for a route's screenshot; an account's id (in the query string) keeps only safe
    characters."""
    path, _, query = route.partition("?")
    name = path.strip("/").replace("/", "-") or "index"
    if query:
        name += "-" + re.sub(r"[^A-Za-z0-9_-]", "_", unquote(query.removeprefix("id=")))
    return name + ".png"


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


def has_no_queries(build: Path, route: str) -> bool:
    """A page without any query has no all-queries.json; Evidence asks for it anyway and takes the 404 as
    'nothing prerendered'. Only that 404 is tolerated, and only on such a page."""
    meta = build / "api" / route.strip("/") / "evidencemeta.json"
    return meta.is_file() and not json.loads(meta.read_text()).get("queries")


def watch(page: Page, build: Path, route: str, log: PageLog) -> None:
    """Record every console error, page error, failed request, HTTP error and request off 127.0.0.1."""
    queryless = has_no_queries(build, route)

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


def open_and_inspect(
    context, base_url: str, build: Path, route: str, screenshot: Path | None
) -> tuple[dict, PageLog]:
    """Open route in a new page of context, wait for it to settle, screenshot it and return what the DOM
    shows (INSPECT_JS) and the failures recorded, including every chart, table, error box and
    placeholder problem, plus the page's visible text under dom['text']."""
    log = PageLog()
    page = context.new_page()
    watch(page, build, route, log)
    try:
        response = page.goto(base_url + route.lstrip("/"), wait_until="load")
        if response is None or response.status != 200:
            log.add(f"navigation status {response.status if response else 'none'}")
        if not wait_until_settled(page):
            log.add("charts did not all draw, or a lookup did not finish, within the timeout")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        dom = page.evaluate(INSPECT_JS)
        dom["text"] = page.inner_text("body")
    finally:
        page.close()
    check_dom(dom, log)
    return dom, log


def check_dom(dom: dict, log: PageLog) -> None:
    """Charts not drawn, tables without rows, Evidence error boxes and empty-data placeholders."""
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
