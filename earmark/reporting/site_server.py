"""Serve the built report site (a directory of static files) on 127.0.0.1, and screenshot its pages.

The Evidence build in `reports/build` is plain static files: a directory per route with an index.html,
DuckDB-wasm, Parquet and Arrow files the browser fetches. `serve` runs a threaded HTTP server in a
background thread (for tests and screenshots); `serve_forever` runs it until interrupted (the CLI).
"""

from __future__ import annotations

import contextlib
import functools
import http
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # playwright is a development dependency, imported only where a browser runs
    from playwright.sync_api import Browser, Page, Playwright

HOST = "127.0.0.1"
DEFAULT_PORT = 4173
DEFAULT_DIRECTORY = Path("reports/build")

# Types the standard library does not know (or guesses differently on every machine's mime.types).
EXTRA_TYPES = {
    ".wasm": "application/wasm",
    ".parquet": "application/octet-stream",
    ".arrow": "application/vnd.apache.arrow.stream",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".svg": "image/svg+xml",
}

# Chromium's own launch flags for a machine with no display and no network: no sandbox (CI runs as
# root), no GPU, no background traffic to Google.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the report's MIME types, no per-request log lines, no directory listings and
    nothing outside the site: a path that resolves (through a symlink or otherwise) out of the served
    directory is a 404, as is a directory without an index.html."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **EXTRA_TYPES,
    }

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        target = path
        if path.is_dir():
            target = next(
                (path / name for name in ("index.html", "index.htm") if (path / name).exists()), path
            )
        root = Path(self.directory).resolve()
        resolved = target.resolve()
        if resolved != root and root not in resolved.parents:
            # A symlink (or anything else) that leads out of the site: as if the file did not exist.
            self.send_error(http.HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(http.HTTPStatus.NOT_FOUND, "File not found")
        return None

    def handle(self) -> None:
        # A browser closing a connection mid-transfer is not an error of the site.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(directory: Path | str = DEFAULT_DIRECTORY, port: int = DEFAULT_PORT) -> _Server:
    """A threaded static-file server for directory on 127.0.0.1:port (0: any free port), not yet serving."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such directory (build the report with `make report`)")
    handler = functools.partial(_QuietHandler, directory=str(directory.resolve()))
    return _Server((HOST, port), handler)


def server_url(server: http.server.HTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"


@contextlib.contextmanager
def serve(directory: Path | str = DEFAULT_DIRECTORY, port: int = 0) -> Iterator[str]:
    """Serve directory in a background thread; yield the base URL (ending in /); stop on exit."""
    server = make_server(directory, port)
    thread = threading.Thread(target=server.serve_forever, name="earmark-report-server", daemon=True)
    thread.start()
    try:
        yield server_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def serve_forever(directory: Path | str = DEFAULT_DIRECTORY, port: int = DEFAULT_PORT) -> None:
    """Serve directory until interrupted (Ctrl-C), printing the URL first."""
    server = make_server(directory, port)
    print(f"Report site: {server_url(server)}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def launch_chromium(playwright: Playwright) -> Browser:
    """The system Chromium, headless, through playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# True once every visible chart container holds an ECharts instance drawn on a canvas or svg of non-zero
# size (Evidence's charts are ECharts; a chart that errored or had no data renders an error box instead).
# Settled: every visible chart drawn, and nothing a page marks data-settling (a lookup still running, as
# on the account lookup page) left.
SETTLED_JS = """() => !document.querySelector('[data-settling]')
    && [...document.querySelectorAll('.chart-container')]
    .filter((c) => c.checkVisibility() && !c.closest('dialog:not([open])'))
    .every((c) => [...c.querySelectorAll('[_echarts_instance_] canvas, [_echarts_instance_] svg')]
        .some((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0))"""


def wait_until_settled(page: Page, settle_ms: int = 750, timeout_ms: int = 20_000) -> bool:
    """Network idle, every visible chart drawn and no element marked data-settling, then a short pause for
    animations. False when that did not happen within timeout_ms (the caller decides whether that is an
    error)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.wait_for_load_state("networkidle", timeout=timeout_ms)
    try:
        page.wait_for_function(SETTLED_JS, timeout=timeout_ms)
        drawn = True
    except PlaywrightTimeoutError:
        drawn = False
    page.wait_for_timeout(settle_ms)
    return drawn


def screenshot_page(
    directory: Path | str, route: str, out: Path | str, width: int = 1280, height: int = 900
) -> Path:
    """Serve directory, open route in Chromium and write a full-page screenshot to out."""
    from playwright.sync_api import sync_playwright

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with serve(directory) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(base + route.lstrip("/"), wait_until="load")
            wait_until_settled(page)
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    return out
