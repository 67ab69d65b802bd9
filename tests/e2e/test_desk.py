"""The agent's desk in a real browser: inbox → conversation → reply; colleagues collide."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servewell.desk.models import MessageKind
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def desk():
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    conversation = make_conversation(
        care,
        contact=make_contact("Ruth Okafor"),
        subject="Kettle lid cracked",
        body="The lid of my kettle cracked on the second day.",
        channel="chat",
    )
    return alice, lena, conversation


@pytest.mark.e2e
def test_agent_opens_the_inbox_takes_and_answers_a_conversation(page, sign_in, desk):
    alice, _lena, conversation = desk
    sign_in(page, alice)
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name="Team unassigned").click()
    row = page.get_by_role("row").filter(has_text="Kettle lid cracked")
    row.get_by_role("button", name="Take").click()
    expect(row).to_contain_text("Alice Agent")  # swapped in place by htmx

    page.get_by_role("link", name=re.compile("Kettle lid cracked")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kettle lid cracked")
    page.get_by_label("Message").fill("Hello Ruth, a new lid is on its way today.")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("a new lid is on its way")
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.get_by_label("Status", exact=True)).to_have_value("pending")
    assert conversation.messages.filter(kind=MessageKind.REPLY).count() == 1
    assert page.console_errors == []


@pytest.mark.e2e
def test_colleagues_see_each_other_and_a_stale_reply_is_refused(new_page, sign_in, desk):
    alice, lena, conversation = desk
    lena_page, alice_page = new_page(), new_page()
    sign_in(lena_page, lena)
    lena_page.goto(f"/desk/c/{conversation.pk}/")
    sign_in(alice_page, alice)
    alice_page.goto(f"/desk/c/{conversation.pk}/")
    expect(alice_page.locator("#presence")).to_contain_text("Lena Lead is viewing")

    alice_page.get_by_label("Message").fill("My draft answer")  # Alice starts writing…
    expect(lena_page.locator("#presence")).to_contain_text(
        "Alice Agent is writing a reply", timeout=12_000
    )

    lena_page.get_by_label("Message").fill("Lena was quicker.")  # …Lena sends first.
    lena_page.get_by_role("button", name="Send").click()
    expect(lena_page.locator("#thread")).to_contain_text("Lena was quicker.")

    alice_page.get_by_role("button", name="Send").click()
    expect(
        alice_page.get_by_role("alert").filter(has_text="changed since you opened it")
    ).to_be_visible()
    expect(alice_page.locator("#thread")).to_contain_text("Lena was quicker.")
    expect(alice_page.get_by_label("Message")).to_have_value("My draft answer")
    assert conversation.messages.filter(kind=MessageKind.REPLY).count() == 1

    alice_page.get_by_role("button", name="Send").click()  # having read it, send anyway
    expect(alice_page.locator("#thread")).to_contain_text("My draft answer")
    assert conversation.messages.filter(kind=MessageKind.REPLY).count() == 2
    # The refused send is a 409 the browser logs as a failed resource: expected, not a bug.
    unexpected = [e for e in alice_page.console_errors if "409 (Conflict)" not in e]
    assert unexpected == [] and lena_page.console_errors == []


@pytest.fixture
def smtp_sink(settings):
    from tests.support.mail import smtp_sink_for

    with smtp_sink_for(settings) as sink:
        yield sink


@pytest.mark.e2e
def test_an_emailed_request_is_answered_from_the_inbox_with_threading_headers(
    page, sign_in, smtp_sink
):
    from email.message import EmailMessage

    from servewell.desk.models import Conversation, Message
    from servewell.mail.intake import ingest

    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    mail = EmailMessage()
    mail["From"] = "Ruth Okafor <ruth@customer.example>"
    mail["To"] = "care@example.org"
    mail["Subject"] = "Toaster sparks"
    mail["Message-ID"] = "<first-1@customer.example>"
    mail.set_content("My new toaster sparks when I switch it on.")
    ingest(bytes(mail), source="test")
    conversation = Conversation.objects.get(subject="Toaster sparks")

    sign_in(page, alice)
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name="All open").click()
    page.get_by_role("link", name=re.compile("Toaster sparks")).click()
    page.get_by_label("Message").fill("Hello Ruth, please unplug it; a replacement is coming.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()

    reply = _wait_for_mail(smtp_sink, "replacement is coming")
    sent = Message.objects.get(conversation=conversation, kind=MessageKind.REPLY)
    assert reply.mail_from == "care@example.org"
    assert reply.rcpt_tos == ["ruth@customer.example"]
    assert reply["Message-ID"] == sent.email_message_id
    assert reply["In-Reply-To"] == "<first-1@customer.example>"
    assert "<first-1@customer.example>" in reply["References"]
    assert f"[#{conversation.pk}]" in reply["Subject"]


def _wait_for_mail(sink, text, timeout=15.0):
    """The first email whose text contains ``text`` (the acknowledgement may come first)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in list(sink.messages):
            body = received.message.get_body(preferencelist=("plain",))
            if body is not None and text in body.get_content():
                return received
        time.sleep(0.1)
    raise AssertionError(f"no email containing {text!r}; got {len(sink.messages)}")
