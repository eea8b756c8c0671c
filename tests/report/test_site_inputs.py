"""The report site on inputs other than the demo world: it builds, every page opens without an error
box, an empty-data placeholder or a console error, and what cannot be estimated on the input says so in
words. Inputs (tests/report/site_inputs.py): Online Retail (transactions only: no campaign, no truth)
and Hillstrom (a campaign, no transactions, no truth), each a seeded sample of customers, Hillstrom's
with account references that need escaping ("ACME/UK", "O'Brien & Sons", ...).

Needs EARMARK_DATASETS (the folder of the public data sets; skips visibly without it), the report's
node_modules (`make reports/node_modules/.installed`) and Chromium. The warehouses (`dbt build` with the
raw directory given as an absolute path) and sites are built once per session under
target/site_inputs/, which takes about 5 minutes; EARMARK_SITE_INPUTS_REUSE=1 reuses sites already
built there (for working on the tests, not for CI). The demo world's site in reports/build is moved
aside while these sites build and put back afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from site_inputs import (
    AWKWARD_ACCOUNTS,
    INPUTS,
    PROJECT_ROOT,
    REPORTS,
    build_site,
    build_warehouse,
    prepare_input,
)

DATASETS = Path(os.environ["EARMARK_DATASETS"]) if os.environ.get("EARMARK_DATASETS") else None
WORK = PROJECT_ROOT / "target" / "site_inputs"
SCREENSHOTS = PROJECT_ROOT / os.environ.get("EARMARK_SCREENSHOTS", "target/report_screenshots") / "inputs"
REUSE = os.environ.get("EARMARK_SITE_INPUTS_REUSE") == "1"

if DATASETS is None:
    pytest.skip(
        "EARMARK_DATASETS is not set: the site is not checked on Online Retail and Hillstrom",
        allow_module_level=True,
    )
if not (REPORTS / "node_modules" / ".installed").is_file():
    pytest.skip(
        "reports/node_modules is not installed: make reports/node_modules/.installed",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, sync_playwright  # noqa: E402
from site_checks import (  # noqa: E402
    account_route,
    discover_routes,
    is_local,
    open_and_inspect,
    screenshot_name,
)

from earmark.reporting.site_server import launch_chromium, serve  # noqa: E402

pytestmark = pytest.mark.e2e

NAMES = [site_input.name for site_input in INPUTS]

# Sentences each page must show on each input: the "not estimable" states, in words.
KEY_SENTENCES = {
    "online_retail": {
        "/": ["Does the uplift model validate? Not estimable", "no policy could be compared"],
        "/uplift-evidence/": ["Not estimable: the input has no campaign with treated and control customers."],
        "/policy/": ["no policy could be compared", "no budget curve", "the deployable list is empty"],
        "/safety-audit/": ["Not estimable: the input carries no truth about customers' archetypes."],
        "/churn/": ["Churn is not estimable on this input", "Churn risk is not a reason to act. Uplift is."],
    },
    "hillstrom": {
        "/segmentation-evidence/": ["Clustering is not estimable on this input"],
        "/policy/": [
            "True net value and true sleeping dogs are not estimable on this input",
            "no budget curve",
        ],
        "/safety-audit/": ["Not estimable: the input carries no truth about customers' archetypes."],
        "/churn/": ["Churn is not estimable on this input", "Churn risk is not a reason to act. Uplift is."],
    },
}


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, tuple[Path, Path, Path]]]:
    """name -> (raw directory, warehouse, built site) for every input, built once."""
    built: dict[str, tuple[Path, Path, Path]] = {}
    demo_build = REPORTS / "build"
    aside = WORK / "demo_build_aside"
    moved = False
    try:
        for site_input in INPUTS:
            source = DATASETS / site_input.dataset_file
            if not source.exists():
                pytest.skip(f"{source} missing: the site is not checked on {site_input.name}")
            raw = prepare_input(site_input, DATASETS, WORK / "raw")
            db = WORK / f"{site_input.name}.duckdb"
            site = WORK / site_input.name / "site"
            if not (REUSE and (site / "index.html").is_file() and db.is_file()):
                build_warehouse(raw, db, site_input.currency)
                if demo_build.exists() and not moved:
                    shutil.rmtree(aside, ignore_errors=True)
                    aside.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(demo_build), str(aside))
                    moved = True
                build_site(db, site)
            built[site_input.name] = (raw, db, site)
        yield built
    finally:
        if moved:
            shutil.rmtree(demo_build, ignore_errors=True)
            shutil.move(str(aside), str(demo_build))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    yield context
    context.close()


def account_actions(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.sql("select account_id, action from account_actions").fetchall())


def source_file(site: Path, table: str) -> Path:
    """The data file of a source in a built site (data/<source>/<table>/<hash>/<table>.parquet)."""
    found = sorted((site / "data" / "earmark" / table).glob(f"*/{table}.parquet"))
    assert len(found) == 1, f"{site}: expected one data file for {table}, found {found}"
    return found[0]


def account_links(site: Path) -> dict[str, str]:
    """account_id -> the link the account list gives it, from the site's data file."""
    data_file = source_file(site, "account_actions")
    with duckdb.connect() as con:
        rows = con.execute("select account_id, account_link from read_parquet(?)", [str(data_file)])
        return dict(rows.fetchall())


def browser_routes(site: Path, db: Path) -> list[str]:
    """Every page, plus the lookup of the first account of each action and of every awkward account."""
    actions = account_actions(db)
    routes = discover_routes(site)
    first_of_action: dict[str, str] = {}
    for account_id in sorted(actions):
        first_of_action.setdefault(actions[account_id], account_id)
    sample = set(first_of_action.values()) | (set(AWKWARD_ACCOUNTS) & set(actions))
    return routes + [account_route(account_id) for account_id in sorted(sample)]


@pytest.mark.parametrize("name", NAMES)
def test_empty_sources_are_loadable_tables(name: str, sites: dict[str, tuple[Path, Path, Path]]) -> None:
    """Every source has a data file in the site, also those with no rows on this input (the pages query
    them and guard on their length), and the account list's data file holds every account with its link."""
    _, db, site = sites[name]
    with duckdb.connect(str(db), read_only=True) as con:
        empty = [
            table
            for (table,) in con.sql(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
            if (REPORTS / "sources" / "earmark" / f"{table}.sql").is_file()
            and con.sql(f"select count(*) from main.{table}").fetchall()[0][0] == 0
        ]
    assert empty, f"{name}: expected some empty marts (no campaign or no truth)"
    for source in sorted((REPORTS / "sources" / "earmark").glob("*.sql")):
        assert source_file(site, source.stem).is_file(), f"{name}: no data file for source {source.name}"
    for table in empty:
        # An empty source is a schema-only Arrow IPC stream (the offline patch), never a Parquet file.
        assert not source_file(site, table).read_bytes().startswith(b"PAR1"), table
    links = account_links(site)
    assert links == {account_id: account_route(account_id) for account_id in account_actions(db)}


@pytest.mark.parametrize("name", NAMES)
def test_site_names_the_input_not_its_path(name: str, sites: dict[str, tuple[Path, Path, Path]]) -> None:
    """The warehouse was built with raw_dir as an absolute path; no file of the site may contain it (or the
    project's path), and the parameters say which input it was by name."""
    raw, _, site = sites[name]
    needles = {str(raw.resolve()).encode(), str(PROJECT_ROOT).encode()}
    leaks = []
    for path in site.rglob("*"):
        if path.is_file() and path.suffix not in {".wasm", ".png", ".woff", ".woff2"}:
            content = path.read_bytes()
            leaks += [f"{path.relative_to(site)} has {n.decode()}" for n in needles if n in content]
    assert not leaks, "\n".join(leaks[:20])
    parameters = source_file(site, "run_parameters")
    with duckdb.connect() as con:
        rows = dict(con.execute("select * from read_parquet(?)", [str(parameters)]).fetchall())
    assert json.loads(rows["input"]) == name
    assert "raw_dir" not in rows


@pytest.mark.parametrize("name", NAMES)
def test_every_page_shows_words_not_error_boxes(
    name: str, sites: dict[str, tuple[Path, Path, Path]], context: BrowserContext
) -> None:
    _, db, site = sites[name]
    currency = next(site_input.currency for site_input in INPUTS if site_input.name == name)
    actions = account_actions(db)
    problems = []
    with serve(site, port=0) as url:
        for route in browser_routes(site, db):
            shot = SCREENSHOTS / name / screenshot_name(route)
            dom, log = open_and_inspect(context, url, site, route, shot)
            text = " ".join(dom["text"].split())
            for sentence in KEY_SENTENCES.get(name, {}).get(route, []):
                if sentence not in text:
                    log.add(f"missing the sentence {sentence!r}")
            # amounts carry the input's currency: never a dollar amount on a pound shop's site
            if currency != "USD" and re.search(r"\$\s?-?\d", text):
                log.add(f"shows a $ amount, but the input's currency is {currency}")
            if route == "/" and dom["testids"].get("currency") != currency:
                log.add(
                    f"the summary says the currency is {dom['testids'].get('currency')!r}, not {currency!r}"
                )
            if route == "/" and currency == "GBP" and "£" not in text:
                log.add("the summary shows no amount in £")
            account_id = next((a for a in actions if account_route(a) == route), None)
            if account_id is not None:
                shown = dom["testids"].get("account-action")
                if shown != actions[account_id]:
                    log.add(f"account-action shows {shown!r}, the mart says {actions[account_id]!r}")
                if f"Account {account_id}" not in text:
                    log.add(f"the heading does not name the account {account_id!r}")
            problems += [f"{route}: {problem} (screenshot {shot})" for problem in log.problems]
    assert not problems, f"{name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems)


def test_awkward_account_refs_are_linked_to_their_lookup(sites: dict[str, tuple[Path, Path, Path]]) -> None:
    """Account references with '/', a quote, '%', '?', '#', non-ASCII and '..' are accounts of the Hillstrom
    sample, and the account list links each to a lookup URL that decodes back to the id (the browser
    test above opens each one and checks its heading and action)."""
    _, db, site = sites["hillstrom"]
    actions = account_actions(db)
    links = account_links(site)
    for account_id in AWKWARD_ACCOUNTS:
        assert account_id in actions, f"{account_id!r} is not an account of the Hillstrom sample"
        link = urlsplit(links[account_id])
        assert link.path == "/accounts/lookup/"
        assert parse_qs(link.query) == {"id": [account_id]}, links[account_id]
