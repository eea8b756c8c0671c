"""The report site's static server: routes, MIME types, clean start and stop."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from earmark.reporting.site_server import make_server, serve

pytestmark = pytest.mark.unit

WASM = b"\x00asm\x01\x00\x00\x00"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<html><body>decision summary</body></html>")
    (tmp_path / "accounts" / "lookup").mkdir(parents=True)
    (tmp_path / "accounts" / "lookup" / "index.html").write_text("<p>lookup</p>")
    assets = tmp_path / "_app"
    assets.mkdir()
    (assets / "duckdb-eh.wasm").write_bytes(WASM)
    (assets / "table.parquet").write_bytes(b"PAR1....PAR1")
    (assets / "table.arrow").write_bytes(b"ARROW1")
    return tmp_path


def fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers.get_content_type()


def test_serves_pages_and_wasm_with_their_types(site: Path) -> None:
    with serve(site, port=0) as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        assert int(base.rstrip("/").rsplit(":", 1)[1]) > 0
        status, body, content_type = fetch(base)
        assert (status, content_type) == (200, "text/html")
        assert b"decision summary" in body
        # The account lookup's id is in the query string: the page is the same file for every id.
        status, body, content_type = fetch(base + "accounts/lookup/?id=ACME%2FUK")
        assert (status, body, content_type) == (200, b"<p>lookup</p>", "text/html")
        status, body, content_type = fetch(base + "_app/duckdb-eh.wasm")
        assert (status, body, content_type) == (200, WASM, "application/wasm")
        assert fetch(base + "_app/table.parquet")[2] == "application/octet-stream"
        assert fetch(base + "_app/table.arrow")[2] == "application/vnd.apache.arrow.stream"


def test_missing_file_is_404(site: Path) -> None:
    with serve(site, port=0) as base, pytest.raises(urllib.error.HTTPError) as error:
        fetch(base + "no/such/page/")
    assert error.value.code == 404


def test_stops_cleanly_and_frees_the_port(site: Path) -> None:
    with serve(site, port=0) as base:
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        assert fetch(base)[0] == 200
    with pytest.raises(urllib.error.URLError):
        fetch(base)
    # The same port can be bound again at once.
    server = make_server(site, port)
    server.server_close()


def test_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make report"):
        make_server(tmp_path / "build", 0)


def test_cli_prints_the_url_and_serves(site: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "earmark.cli", "serve-report", "--dir", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("Report site: http://127.0.0.1:"), line
        url = line.removeprefix("Report site: ")
        assert fetch(url)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_refuses_a_directory_without_a_site(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "serve-report", "--dir", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "index.html missing" in done.stderr


def test_does_not_list_directories(site: Path) -> None:
    # _app/ has files but no index.html: a listing would show them; the server answers 404 instead.
    with serve(site, port=0) as base:
        for route in ("_app/", "accounts/"):
            with pytest.raises(urllib.error.HTTPError) as error:
                fetch(base + route)
            assert error.value.code == 404, route
            assert b"duckdb-eh.wasm" not in error.value.read()
        assert fetch(base + "accounts/lookup/")[0] == 200


def test_does_not_follow_symlinks_out_of_the_site(
    site: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("not part of the site")
    (outside / "index.html").write_text("<p>not part of the site</p>")
    (site / "leak.txt").symlink_to(outside / "secret.txt")
    (site / "leakdir").symlink_to(outside, target_is_directory=True)
    # A link that stays inside the site is served.
    (site / "home.html").symlink_to(site / "index.html")
    with serve(site, port=0) as base:
        for route in ("leak.txt", "leakdir/", "leakdir/secret.txt", "leakdir/index.html"):
            with pytest.raises(urllib.error.HTTPError) as error:
                fetch(base + route)
            assert error.value.code == 404, route
            assert b"not part of the site" not in error.value.read()
        assert b"decision summary" in fetch(base + "home.html")[1]


def test_does_not_serve_above_the_site_by_dot_dot(site: Path) -> None:
    (site.parent / "above.txt").write_text("above the site")
    with serve(site / "accounts", port=0) as base:
        for route in ("../above.txt", "%2e%2e/above.txt", "lookup/../../above.txt"):
            try:
                status, body, _ = fetch(base + route)
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            assert b"above the site" not in body, (route, status)
