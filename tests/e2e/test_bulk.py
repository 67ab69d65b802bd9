"""Inbox bulk actions in a real browser: a lead selects three rows, assigns them and tags
them, and the rows change in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servewell.desk.models import Conversation
from servewell.desk.tests.factories import make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def inbox():
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    rows = [make_conversation(care, subject=f"Broken kettle {n}") for n in range(1, 5)]
    return alice, lena, rows


@pytest.mark.e2e
def test_lead_assigns_and_tags_three_selected_rows(page, sign_in, inbox):
    alice, lena, rows = inbox
    sign_in(page, lena)
    page.goto("/desk/?view=all")
    chosen = rows[:3]
    for conversation in chosen:
        page.get_by_label(f"Select #{conversation.pk}").check()
    expect(page.get_by_text("3 selected.")).to_be_visible()

    bar = page.get_by_role("form", name="Change the selected conversations")
    bar.get_by_label("Assign to").select_option(label="Alice Agent")
    bar.get_by_role("button", name="Assign", exact=True).click()
    expect(bar.get_by_role("status")).to_contain_text("3 updated")
    for conversation in chosen:
        expect(page.locator(f"#row-{conversation.pk}")).to_contain_text("Alice Agent")
    expect(page.locator(f"#row-{rows[3].pk}")).not_to_contain_text("Alice Agent")

    for conversation in chosen:  # the rows came back fresh, unticked, with new versions
        page.get_by_label(f"Select #{conversation.pk}").check()
    bar.get_by_label("Tag", exact=True).fill("warranty")
    bar.get_by_role("button", name="Add tag").click()
    expect(bar.get_by_role("status")).to_contain_text("3 updated")
    for conversation in chosen:
        expect(page.locator(f"#row-{conversation.pk} .tag")).to_have_text("warranty")

    assert set(
        Conversation.objects.filter(pk__in=[c.pk for c in chosen]).values_list(
            "assignee", flat=True
        )
    ) == {alice.pk}
    assert page.console_errors == []
