"""Experience in a real browser: a solved conversation's survey email is read from the
SMTP sink, its link followed and a low rating posted; the lead sees it, reopens the
conversation from it, and the report counts it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servewell.desk import conversations
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def smtp_sink(settings, live_server):
    from tests.support.mail import smtp_sink_for

    settings.SITE_URL = live_server.url
    with smtp_sink_for(settings) as sink:
        yield sink


@pytest.mark.e2e
def test_a_low_rating_reaches_the_lead_who_reopens_and_the_report_counts_it(
    page, new_page, sign_in, smtp_sink
):
    from servewell.experience import surveys

    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    earlier = timezone.now() - timedelta(hours=3)
    conversation = make_conversation(
        care,
        contact=make_contact("Ruth Okafor", email="ruth@customer.example"),
        subject="Kettle lid cracked",
        now=earlier,
    )
    conversations.update_conversation(
        alice,
        conversation,
        expected_version=None,
        assignee=alice,
        status=Status.SOLVED,
        now=earlier + timedelta(minutes=30),
    )
    assert surveys.send_due_surveys(now=timezone.now()) == 1

    [mail] = [m for m in smtp_sink.wait_for(1) if "How did we do?" in str(m["Subject"])]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/s/[A-Za-z0-9_-]+/2/)", text).group(1)

    customer = new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(customer.get_by_role("radio", name="2", exact=True)).to_be_checked()
    expect(customer.get_by_role("button", name="Send my answer")).to_be_focused()
    customer.get_by_role("radio", name="No", exact=True).check()
    customer.get_by_label("Anything you want to tell us?").fill(
        "Took far too long, nobody called back."
    )
    customer.get_by_role("button", name="Send my answer").click()
    expect(customer.get_by_role("status")).to_contain_text("We have your answer")

    sign_in(page, lena)
    page.goto("/experience/")
    page.get_by_role("link", name=f"#{conversation.pk} rated 2").click()
    expect(page.locator("blockquote")).to_contain_text("nobody called back")
    page.get_by_role("button", name="Reopen the conversation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kettle lid cracked")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN

    page.goto("/experience/reports/?by=team")
    row = page.get_by_role("row").filter(has_text="Care")
    expect(row).to_contain_text("0.0 %")  # one answer, a 2: no 4-5 ratings
    page.goto("/experience/responses/?low=1")
    expect(page.get_by_role("link", name="Acted on")).to_be_visible()
    assert customer.console_errors == [] and page.console_errors == []
