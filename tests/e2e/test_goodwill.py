"""Goodwill in a real browser: an agent grants within the limit, then asks above it; the
lead approves from the notification; the contact's history shows both."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.goodwill import actions
from servewell.goodwill.tests.factories import NOW
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def world():
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    lena = make_person(
        "lena", [Role.LEAD, Role.AGENT], team=care, lead=True, display_name="Lena Lead"
    )
    refund = actions.define_action(
        None, name="Refund", kind="refund", currency="EUR", has_amount=True, now=NOW
    )
    actions.set_limit(
        None,
        refund,
        role=Role.AGENT,
        per_action=Decimal(50),
        per_person_month=Decimal(500),
        per_customer_30d=Decimal(500),
        now=NOW,
    )
    conversation = make_conversation(
        care, contact=make_contact("Ruth Okafor"), subject="Kettle lid cracked"
    )
    return alice, lena, refund, conversation


def _grant(page, refund, amount: str, reason: str) -> None:
    panel = page.locator("#goodwill-panel")
    panel.get_by_label("Action").select_option(str(refund.pk))
    panel.get_by_label("Amount").fill(amount)
    panel.get_by_label("Reason").fill(reason)
    panel.get_by_role("button", name="Grant goodwill").click()


@pytest.mark.e2e
def test_agent_grants_then_asks_and_the_lead_approves_from_the_notification(
    new_page, sign_in, world
):
    alice, lena, refund, conversation = world
    page = new_page()
    sign_in(page, alice)
    page.goto(f"/desk/c/{conversation.pk}/")
    _grant(page, refund, "20", "The lid cracked on day two.")
    expect(page.locator("#goodwill-panel")).to_contain_text("Granted on the spot")
    _grant(page, refund, "80", "Second kettle broke too; full refund.")
    expect(page.locator("#goodwill-panel")).to_contain_text("Waiting for a decision")

    lead_page = new_page()
    sign_in(lead_page, lena)
    lead_page.goto("/notifications/")
    lead_page.get_by_role("link", name="Goodwill request").first.click()
    lead_page.get_by_role("button", name="Approve").click()
    expect(lead_page.locator("#grant-status")).to_have_text("Approved")

    page.goto(f"/desk/contacts/{conversation.contact_id}/")
    history = page.locator("#goodwill-contact")
    expect(history).to_contain_text("20.00 EUR")
    expect(history).to_contain_text("80.00 EUR")
    expect(history).to_contain_text("Approved")
