"""Fixtures of the playground tests: a real server process and a real browser.

``server`` starts ``tinyprop playground --port 0 --no-browser --json`` in a subprocess
(127.0.0.1, a free port), reads the URL it prints and stops it with Ctrl-C (SIGINT),
checking that it exits cleanly. ``page`` opens Debian's Chromium through Playwright
(headless; ``bypass_csp`` only lets the test read ``window.playground``: the page itself
keeps its Content-Security-Policy). Screenshots go to ``screenshots`` (a temporary
folder, or ``$TINYPROP_PLAYGROUND_SCREENSHOTS`` when set: the docs' pictures are made
that way).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from playground.pg_support import CHROMIUM, CHROMIUM_ARGS, server_log, start_server, stop_server


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    proc, url = start_server()
    yield url
    code = stop_server(proc)
    log = server_log(proc)
    assert code == 0 and "Traceback" not in log, log


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    where = os.environ.get("TINYPROP_PLAYGROUND_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("playground-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, bypass_csp=True,
                                  accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
