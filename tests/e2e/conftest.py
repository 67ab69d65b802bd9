"""End-to-end harness: Playwright (sync API) drives Debian's Chromium against a live server.

The machine has no outside network, so Playwright never downloads a browser: it launches
the system's /usr/bin/chromium. The app is served by pytest-django's ``live_server`` (a
real WSGI server thread on a free loopback port, ``transactional_db`` so that rows the test
creates are committed and visible to it).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in this thread; without this, Django
# refuses ORM calls from the test body ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Belt and braces: nothing here may fetch a browser (no outside network, Debian's is used).
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000  # fail fast: a local page that takes longer than this is a bug


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _committed_data(transactional_db) -> None:
    """The live server answers from another thread: tests need committed data."""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module. Not per session: Playwright's sync API keeps an event
    loop running in the main thread while it is open, and tests that pytest-django
    reorders after these (plain, database-less ones) may run their own asyncio loop."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed: run `make browser`")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server, request: pytest.FixtureRequest) -> Iterator[Callable]:
    """Open a page in a fresh browser context (own cookies); ``base_url`` is the live server.

    Each page records its console errors and uncaught exceptions in ``page.console_errors``
    (CSP violations are reported as console errors). When the test fails, a full-page
    screenshot of every page it opened is saved under test-results/.
    """
    contexts = []
    pages = []

    def open_page(viewport: dict[str, int] = DESKTOP, **context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, **context_options
        )
        context.set_default_timeout(TIMEOUT_MS)
        # The test server is a WSGI thread server: an open Server-Sent Events stream (the
        # all-hands banner on every page) would hold one of its threads for good. Answer
        # the stream with an empty one that asks to retry much later; the live queue's
        # own browser test runs a real ASGI server instead.
        context.route(
            "**/queue/stream/**",
            lambda route: route.fulfill(
                status=200, content_type="text/event-stream", body="retry: 600000\n\n"
            ),
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = errors = []

        def on_console(msg) -> None:
            if msg.type == "error":
                errors.append(f"{page.url}: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: uncaught {exc}"))
        pages.append(page)
        return page

    yield open_page

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _save_screenshots(request, pages)
    for context in contexts:
        context.close()
    _wait_for_requests_to_finish()


def _wait_for_requests_to_finish(timeout_s: float = 10.0) -> None:
    """Let the live server finish what the closed pages asked of it before the test
    database is emptied: on PostgreSQL, an action still in its transaction (a refresh
    the page sent as the test ended) and the TRUNCATE that empties the tables deadlock.
    SQLite serialises them instead."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280x800) in its own browser context."""
    return new_page()


@pytest.fixture
def sign_in() -> Callable:
    """Sign ``user`` in through the real login form and wait for the home page."""
    from playwright.sync_api import expect

    from servewell.people.tests.factories import PASSWORD

    def sign_in_as(page, user, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # home, not /login/ still
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    return sign_in_as


def _save_screenshots(request: pytest.FixtureRequest, pages: list) -> None:
    folder = request.config.rootpath / "test-results"
    folder.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")
    for number, page in enumerate(pages):
        if page.is_closed():
            continue
        suffix = f"-{number}" if number else ""
        try:
            page.screenshot(path=str(folder / f"{stem}{suffix}.png"), full_page=True)
        except Exception as exc:  # a screenshot must never hide the real failure
            print(f"could not save a screenshot: {exc}")
