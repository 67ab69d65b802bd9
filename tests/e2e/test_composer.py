"""The composer in a real browser: a reply with a file and a CC; a note that @mentions a
colleague, picked from the autocomplete, who finds it among their notifications."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servewell.desk.models import Message, MessageKind
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def desk(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    conversation = make_conversation(
        care,
        contact=make_contact("Ruth Okafor", email="ruth@customer.test"),
        subject="Invoice for the kettle",
        body="Could you send me the invoice, and copy my accountant?",
    )
    return alice, lena, conversation


@pytest.mark.e2e
def test_agent_replies_with_a_file_and_cc_then_mentions_a_colleague(new_page, sign_in, desk):
    alice, lena, conversation = desk
    page = new_page()
    sign_in(page, alice)
    page.goto(f"/desk/c/{conversation.pk}/")

    page.get_by_label("Message").fill("Dear Ruth, the invoice is attached.")
    page.get_by_label("Attach files").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.get_by_label("CC", exact=True).fill("accountant@customer.test")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("CC: accountant@customer.test")
    expect(thread.get_by_role("link", name="invoice.pdf")).to_be_visible()

    page.get_by_label("Internal note").check()
    expect(page.get_by_label("CC", exact=True)).to_be_hidden()  # copies are for replies
    message = page.get_by_label("Message")
    message.click()
    message.press_sequentially("@le")
    page.get_by_role("button", name="Lena Lead (@lena)").click()
    expect(message).to_have_value("@lena ")
    message.press_sequentially("can you check the VAT line?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("@lena can you check the VAT line?")

    reply = Message.objects.get(conversation=conversation, kind=MessageKind.REPLY)
    assert reply.cc == ["accountant@customer.test"] and reply.attachments.count() == 1
    assert page.console_errors == []

    lead_page = new_page()
    sign_in(lead_page, lena)
    lead_page.goto("/notifications/")
    lead_page.get_by_role("link", name=f"Alice Agent mentioned you on #{conversation.pk}").click()
    expect(lead_page.locator("#thread")).to_contain_text("can you check the VAT line?")
