"""In Chromium: a reviewer scores a conversation, the agent disputes it, the lead resolves.

Uses the end-to-end harness of ``tests/e2e/conftest.py`` (Debian's Chromium driven by
Playwright against a live server); skipped where that harness or the browser is missing.
"""

from __future__ import annotations

import re

import pytest

e2e = pytest.importorskip("tests.e2e.conftest", reason="the e2e harness is not installed")
pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect  # noqa: E402

from servewell.people.models import Role  # noqa: E402
from servewell.people.tests.factories import make_person, make_team  # noqa: E402
from servewell.quality.tests.factories import handled, make_scorecard  # noqa: E402

# The harness's fixtures, used here as they are under tests/e2e/.
browser = e2e.browser
new_page = e2e.new_page
sign_in = e2e.sign_in
_committed_data = e2e._committed_data


def answer(page, criterion: str, choice: str) -> None:
    page.get_by_role("radiogroup", name=criterion).get_by_label(choice, exact=True).check()


@pytest.mark.e2e
def test_reviewer_scores_agent_disputes_lead_resolves(new_page, sign_in):
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care)
    quinn = make_person("quinn", [Role.QA])
    lena = make_person("lena", [Role.LEAD, Role.AGENT], team=care, lead=True)
    make_scorecard("Service")
    conversation = handled(care, alice, replies=[alice])

    # The reviewer scores the conversation beside it.
    reviewer = new_page()
    sign_in(reviewer, quinn)
    reviewer.goto(f"/quality/conversations/{conversation.pk}/review/")
    reviewer.get_by_label("Scorecard").select_option(label="Service v1")
    reviewer.get_by_role("button", name="Start the review").click()
    expect(reviewer.get_by_text("Hello, my order has not arrived.")).to_be_visible()
    answer(reviewer, "Greets by name", "No")
    answer(reviewer, "Owns the problem", "4")
    answer(reviewer, "Correct answer", "Yes")
    answer(reviewer, "Offers a next step", "N/A")
    reviewer.get_by_role("button", name="Submit review").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Review submitted")
    expect(reviewer.locator("#review-score")).to_have_text("75")

    # The agent reads it from their quality page and disputes it.
    agent = new_page()
    sign_in(agent, alice)
    agent.goto("/quality/")
    agent.get_by_role("link", name=re.compile(f"#{conversation.pk}")).first.click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Review of")
    agent.get_by_label("Why do you disagree?").fill("I greeted her by name in my first reply.")
    agent.get_by_role("button", name="Dispute this review").click()
    expect(agent.locator("#dispute-state")).to_have_text("Open")

    # The lead changes the answer; the score and the history follow.
    lead = new_page()
    sign_in(lead, lena)
    lead.goto("/quality/disputes/")
    lead.get_by_role("link", name=re.compile(f"#{conversation.pk}")).click()
    lead.get_by_label("Change the answers below").check()
    answer(lead, "Greets by name", "Yes")
    lead.get_by_label("Note").fill("Checked the thread: she did.")
    lead.get_by_role("button", name="Resolve the dispute").click()
    expect(lead.locator("#dispute-state")).to_have_text("Score changed")
    expect(lead.locator("#review-score")).to_have_text("91.67")
    expect(lead.get_by_text("Checked the thread: she did.")).to_be_visible()

    for page in (reviewer, agent, lead):
        assert page.console_errors == []
