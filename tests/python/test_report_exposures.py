"""The report site's lineage: every page is a dbt exposure on exactly the marts its queries read."""

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "reports" / "pages"
SOURCES = ROOT / "reports" / "sources" / "earmark"
EXPOSURES = ROOT / "models" / "marts" / "_marts__exposures.yml"


def marts_read_by(page: Path) -> set[str]:
    """Evidence source tables a page queries (`earmark.<name>`)."""
    return set(re.findall(r"\bearmark\.([a-z_]+)", page.read_text()))


def exposures() -> dict[str, dict]:
    """Exposures keyed by the page they declare."""
    declared = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    return {e["meta"]["page"]: e for e in declared}


def test_every_page_is_an_exposure_on_the_marts_it_reads():
    by_page = exposures()
    pages = sorted(p.relative_to(ROOT).as_posix() for p in PAGES.rglob("*.md"))
    assert len(pages) == 13
    assert sorted(by_page) == pages
    for page, exposure in by_page.items():
        refs = {re.fullmatch(r"ref\('([a-z_]+)'\)", d).group(1) for d in exposure["depends_on"]}
        assert refs == marts_read_by(ROOT / page), page
        assert exposure["type"] == "dashboard"


def test_every_source_query_reads_the_mart_it_is_named_after():
    queries = sorted(SOURCES.glob("*.sql"))
    assert len(queries) == 31
    read = set().union(*(marts_read_by(p) for p in PAGES.rglob("*.md")))
    assert read == {q.stem for q in queries}, (
        "a page reads a source that does not exist, or a source is unused"
    )
    marts = {p.stem for p in (ROOT / "models" / "marts").rglob("*.sql")}
    for query in queries:
        assert set(re.findall(r"\bmain\.([a-z_]+)", query.read_text())) == {query.stem}
        assert query.stem in marts
