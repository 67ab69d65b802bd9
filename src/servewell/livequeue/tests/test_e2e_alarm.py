"""End to end: an agent and a lead, each in their own Chromium, see the all-hands banner
appear when the queue backs up; the lead answers "I'm on it" and the alarm log shows it;
after a server restart the screens reconnect by themselves.

SSE needs ASGI, so the app runs in a real uvicorn process (``servers.uvicorn_server``),
not in pytest-django's WSGI ``live_server``.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from servewell.livequeue.models import AlarmResponse, AlarmRule
from servewell.people.tests.factories import PASSWORD
from servewell.people.tokens import create_token

from .servers import free_port, uvicorn_server

expect = pytest.importorskip("playwright.sync_api").expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
TIMEOUT_MS = 10_000


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed: run `make browser`")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # body are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def live_db(transactional_db):
    yield


def signed_in_page(browser, base, user, path):
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    page.goto(path)
    # The stream is open once it has said hello (alarm.js then marks the page live).
    expect(page.locator("html[data-queue-stream='live']")).to_have_count(1)
    return page


@pytest.mark.e2e
def test_agent_and_lead_get_the_banner_and_the_lead_jumps_in(
    browser, live_db, care, alice, lena, feeder
):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=2, clear_threshold=0)
    _, token = create_token(feeder, name="pbx")
    port = free_port()
    with uvicorn_server(port=port) as base:
        agent = signed_in_page(browser, base, alice, "/queue/wallboard/")
        lead = signed_in_page(browser, base, lena, "/queue/alarms/")
        expect(agent.locator("#wb-connection")).to_have_text("Live")

        for call_id in ("c1", "c2"):
            response = httpx.post(
                f"{base}/api/queue/events/",
                json={"event": "joined", "call_id": call_id, "team": "care"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 201, response.text

        for page in (agent, lead):
            banner = page.get_by_role("alert", name="All-hands alarm")
            expect(banner).to_be_visible()
            expect(banner).to_contain_text("All hands — Care")
        expect(agent.locator('[data-team] [data-field="waiting"]')).to_have_text("2")
        expect(agent.locator('[data-team] [data-field="alarm"]')).to_have_text("All hands")

        lead.get_by_role("button", name="I'm on it").click()
        expect(lead.get_by_text("You're on it — thank you.")).to_be_visible()
        # The agent sees who jumped in, live.
        expect(agent.get_by_role("alert", name="All-hands alarm")).to_contain_text(
            "On it: Lena (lead)"
        )
        assert AlarmResponse.objects.filter(user=lena, role="lead").exists()

        lead.goto("/queue/alarms/")
        row = lead.locator("table.alarm-log tbody tr").first
        expect(row).to_contain_text("Lena")
        expect(row).to_contain_text("Team lead")

        for page in (agent, lead):
            assert page.console_errors == [], page.console_errors

    # The server goes away (a deploy, a crash) and comes back: the screen reconnects by
    # itself and shows the alarm that is still open.
    expect(agent.locator("html[data-queue-stream='reconnecting']")).to_have_count(1)
    with uvicorn_server(port=port):
        expect(agent.locator("html[data-queue-stream='live']")).to_have_count(1)
        expect(agent.get_by_role("alert", name="All-hands alarm")).to_contain_text("Care")
