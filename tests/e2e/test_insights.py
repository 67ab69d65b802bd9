"""A lead opens the dashboard, filters to their team and last month, clicks the breach
figure and lands on exactly the conversations that breached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.desk.tests.factories import make_conversation
from servewell.insights import filters, rollups
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def breaches():
    care, orders = make_team("Care"), make_team("Orders")
    lena = make_person("lena", [Role.LEAD], team=care, lead=True, display_name="Lena Lead")
    start, _end = filters.period_days("last_month", timezone.now().date())
    when = dt.datetime.combine(start, dt.time(10), tzinfo=dt.UTC) + dt.timedelta(days=3)
    for team, subject, late in [
        (care, "Broken kettle", True),
        (care, "Lost parcel", True),
        (care, "Quick question", False),
        (orders, "Other team late", True),
    ]:
        c = make_conversation(team, subject=subject, now=when)
        SlaClock.objects.create(
            conversation=c,
            team=team,
            kind=ClockKind.FIRST_RESPONSE,
            target_seconds=3600,
            state=ClockState.RUNNING if late else ClockState.MET,
            started_at=when,
            due_at=when + dt.timedelta(hours=1),
            warn_at=when,
            breached_at=when + dt.timedelta(hours=1) if late else None,
            met_at=None if late else when + dt.timedelta(minutes=5),
            business_seconds_taken=None if late else 300.0,
        )
    rollups.rebuild(start, timezone.now().date(), now=timezone.now())
    return lena, care


@pytest.mark.e2e
def test_lead_drills_from_the_breach_figure_to_exactly_those_conversations(page, sign_in, breaches):
    lena, care = breaches
    sign_in(page, lena)
    page.goto("/insights/")
    page.get_by_label("Team").select_option(str(care.pk))
    page.get_by_label("Period").select_option("last_month")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Breaches").get_by_role("link").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Broken kettle")).to_be_visible()
    expect(page.get_by_role("link", name="Lost parcel")).to_be_visible()
    expect(page.get_by_text("Other team late")).to_have_count(0)
    assert not page.console_errors
