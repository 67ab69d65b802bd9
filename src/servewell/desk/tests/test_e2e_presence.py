"""End to end, in Chromium on a real ASGI server: two people on one conversation see
each other come, write and go, and the one whose copy went stale is told at once, all
pushed over the page's one live stream: an idle conversation page sends no polls."""

from __future__ import annotations

import pytest

from servewell.desk.tests.factories import make_conversation
from servewell.livequeue.tests.servers import uvicorn_server
from servewell.livequeue.tests.test_e2e_alarm import browser, signed_in_page  # noqa: F401

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.e2e
def test_presence_and_a_stale_copy_are_pushed_to_the_open_page(browser, care, alice, lena):  # noqa: F811
    conversation = make_conversation(care, subject="Kettle lid cracked")
    path = f"/desk/c/{conversation.pk}/"
    with uvicorn_server() as base:
        mine = signed_in_page(browser, base, alice, path)
        asked: list[str] = []
        mine.on("request", lambda r: asked.append(r.url) if "/presence/" in r.url else None)

        hers = signed_in_page(browser, base, lena, path)
        box = mine.locator("#presence")
        expect(box).to_contain_text(f"{lena} is viewing")

        hers.get_by_label("Message").fill("Checking the depot now.")
        expect(box).to_contain_text(f"{lena} is writing a reply")

        hers.get_by_role("radio", name="Internal note").check()
        hers.get_by_role("button", name="Send").click()
        expect(hers.locator("#thread")).to_contain_text("Checking the depot now.")
        expect(mine.get_by_role("alert").filter(has_text="Someone changed this")).to_be_visible()

        hers.context.close()  # her tab goes: so does her name, without waiting for a TTL
        expect(box).not_to_contain_text(str(lena))

        # Let what her leaving pushed land first (on a busy machine the last push about
        # her may arrive after her name is gone): then quiet for a second.
        for _ in range(8):
            settled = len(asked)
            mine.wait_for_timeout(1_000)
            if len(asked) == settled:
                break
        # Nothing changes for a while: the page asks nothing (it used to poll every 5 s).
        before = len(asked)
        mine.wait_for_timeout(6_000)
        assert len(asked) == before, asked[before:]
        assert mine.console_errors == [], mine.console_errors
