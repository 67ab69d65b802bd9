"""Auto-QA in a real browser: a solved conversation shows its auto score beside the
thread with the evidence highlighted in the message; a reviewer's review arrives
pre-filled from it and the reviewer overrides one answer."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servewell.autoqa import links, scoring
from servewell.autoqa.models import Pair
from servewell.core.models import AuditEntry
from servewell.desk import conversations
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team
from servewell.quality import scorecards

APOLOGY = "I'm so sorry the kettle arrived cracked."


@pytest.fixture
def scored():
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    conversation = make_conversation(
        care,
        contact=make_contact("Ruth Okafor"),
        subject="Kettle lid cracked",
        body="The lid of my kettle cracked on the second day. I'm really disappointed.",
    )
    conversations.reply(
        alice,
        conversation,
        body_text=f"Hi Ruth,\n\n{APOLOGY} I've sent a replacement today, it will arrive by "
        "Friday.\n\nHave a great day!",
        expected_version=None,
        deliver=False,
    )
    conversation.refresh_from_db()
    conversations.update_conversation(
        alice, conversation, expected_version=None, status="solved", assignee=alice
    )
    now = timezone.now()
    scoring.score_conversation(conversation, now=now)  # what the job does on solve
    card = scorecards.create_scorecard(
        None,
        name="Service",
        now=now,
        sections=[{"title": "Care", "criteria": [{"title": "Apology"}, {"title": "Greeting"}]}],
    )
    version = scorecards.publish(None, scorecards.draft_of(card), now=now)
    apology, greeting = version.criteria.order_by("position", "id")
    links.set_link(None, apology, auto="apology")
    links.set_link(None, greeting, auto="greeting")
    return lena, conversation, apology, greeting


@pytest.mark.e2e
def test_auto_score_with_highlighted_evidence_prefills_a_review_that_is_overridden(
    page, sign_in, scored
):
    lena, conversation, apology, greeting = scored
    sign_in(page, lena)
    page.goto(f"/desk/c/{conversation.pk}/")
    panel = page.locator("#autoqa-panel")
    expect(panel.locator("#autoqa-score")).to_have_text(re.compile(r"^\d{1,3}$"))
    expect(panel).to_contain_text(APOLOGY)
    mark = page.locator("#thread mark.autoqa-mark").filter(has_text=APOLOGY)
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(APOLOGY)

    page.goto(f"/quality/conversations/{conversation.pk}/review/")
    page.get_by_role("button", name="Start the review").click()
    page.wait_for_url(re.compile(r"/quality/reviews/\d+/$"))
    apology_group = page.get_by_role("radiogroup", name="Apology")
    greeting_group = page.get_by_role("radiogroup", name="Greeting")
    expect(apology_group.get_by_label("Yes")).to_be_checked()
    expect(greeting_group.get_by_label("Yes")).to_be_checked()
    expect(page.get_by_label("Comment on Apology")).to_have_value(re.compile(r"^Auto-QA"))

    greeting_group.get_by_label("No").check()  # the reviewer disagrees on one answer
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator("#review-score")).to_be_visible()

    pairs = {p.criterion_id: p for p in Pair.objects.all()}
    assert not pairs[apology.pk].overridden
    assert pairs[greeting.pk].overridden and pairs[greeting.pk].human_value == 0
    override = AuditEntry.objects.get(action="autoqa.override")
    assert override.actor == lena and override.after["criterion"] == greeting.pk
    assert page.console_errors == []
