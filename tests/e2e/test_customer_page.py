"""The customer's own page in a real browser: from the acknowledgement email to a reply
the agent sees in the conversation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from servewell.commitments import calendars
from servewell.commitments.models import SlaPolicy
from servewell.contacts.contacts import contact_for_email
from servewell.desk import conversations
from servewell.people import teams
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

LINK = re.compile(r"https?://\S+?(/your-request/\S+/)")


@pytest.mark.e2e
def test_customer_follows_the_acknowledgement_link_replies_and_the_agent_sees_it(
    page, sign_in, new_page, django_capture_on_commit_callbacks
):
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    teams.set_calendar(
        None,
        care,
        time_zone="Europe/London",
        hours=[(d, dt.time(0), dt.time(23, 59)) for d in range(7)],
    )
    calendars.forget()
    SlaPolicy.objects.create(team=care, priority="normal", first_response_minutes=60)
    with django_capture_on_commit_callbacks(execute=True):
        conversation, _ = conversations.open_conversation(
            team=care,
            contact=contact_for_email("ruth@example.net", "Ruth Okafor"),
            subject="Kettle lid cracked",
            channel="email",
            now=timezone.now(),
            body_text="The lid of my kettle cracked on the second day.",
        )
    ack = next(m for m in mail.outbox if m.to == ["ruth@example.net"])
    path = LINK.search(ack.body).group(1)

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kettle lid cracked")
    expect(page.locator("#customer-status")).to_contain_text("with our team")
    expect(page.locator("#customer-promise")).to_contain_text("A person will answer")
    page.get_by_label("Your message").fill("Photo attached to my email: it is the hinge.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your message is with the team")).to_be_visible()
    expect(page.get_by_text("it is the hinge")).to_be_visible()

    agent = new_page()
    sign_in(agent, alice)
    agent.goto(f"/desk/c/{conversation.pk}/")
    expect(agent.get_by_text("Photo attached to my email: it is the hinge.")).to_be_visible()
