"""The labels under a conversation's title follow a save without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.mark.e2e
def test_status_and_priority_labels_follow_a_save_without_a_reload(page, sign_in):
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    conversation = make_conversation(
        care, contact=make_contact("Ruth Okafor"), subject="Kettle lid cracked", channel="chat"
    )
    sign_in(page, alice)
    page.goto(f"/desk/c/{conversation.pk}/")
    badges = page.locator(".conv-head .badges")
    expect(badges).to_contain_text("New")
    expect(badges).to_contain_text("Normal")

    page.get_by_label("Status", exact=True).select_option("pending")
    page.get_by_label("Priority", exact=True).select_option("urgent")
    page.get_by_role("button", name="Save").click()

    expect(badges.locator(".status")).to_contain_text("Pending")
    expect(badges.locator(".prio")).to_have_text("Urgent")
    expect(badges.locator(".status")).to_have_class("status status-pending")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority) == ("pending", "urgent")
    assert page.console_errors == []
