"""Browser tests: Playwright driving Debian's Chromium against a live server on loopback.

Chromium is never downloaded: the tests launch ``/usr/bin/chromium`` (Debian's ``chromium``
package; ``.ci/run`` installs it). Without it, or without Playwright, the tests skip locally
and fail when ``RADTRIAL_REQUIRE_BROWSER=1`` (CI). The terminal summary says how many ran.
Screenshots are kept in ``tests/browser/artefacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from radtrial.store.database import Database
from tests.api.support import MovableClock, World, build_world, cheap_passwords

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REQUIRE_BROWSER_ENV = "RADTRIAL_REQUIRE_BROWSER"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"

_outcomes: Counter[str] = Counter()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "browser" not in report.keywords:
        return
    if report.when == "call":
        _outcomes[report.outcome] += 1
    elif report.outcome == "skipped":
        _outcomes["skipped"] += 1
    elif report.outcome == "failed":
        _outcomes["error"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    counts = ", ".join(
        f"{_outcomes[o]} {o}" for o in ("passed", "failed", "error", "skipped") if _outcomes[o]
    )
    required = os.environ.get(REQUIRE_BROWSER_ENV) == "1"
    terminalreporter.write_sep("-", "Browser (Chromium)")
    terminalreporter.write_line(
        f"Browser tests: {counts} ({REQUIRE_BROWSER_ENV}={'1' if required else 'unset'})"
    )


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _unavailable()
    if missing is not None:
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{missing}; {REQUIRE_BROWSER_ENV}=1 requires it", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The app on 127.0.0.1 in a thread (uvicorn), over a test world."""

    def __init__(self, world: World) -> None:
        import uvicorn

        from radtrial.api.app import create_app
        from radtrial.config import Settings

        self.world = world
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(Settings(), world.db),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    clock = MovableClock()
    with cheap_passwords():
        db = Database(
            f"sqlite:///{folder / 'research.db'}",
            f"sqlite:///{folder / 'identity.db'}",
            clock=clock,
        )
        try:
            with LiveServer(build_world(db, clock)) as server:
                yield server
        finally:
            db.close()


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (the whole page, or what the window shows) as a test artefact."""
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
