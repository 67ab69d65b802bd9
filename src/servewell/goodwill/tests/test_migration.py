"""An existing database gets each grant's report month and latest CSAT filled in when the
report's columns arrive (migration 0004), so old grants show in the right month with
the rating their conversation has."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servewell.goodwill import reports
from servewell.goodwill.models import Grant
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from tests.support.db import migrate_to

BEFORE = [("goodwill", "0003_covering_indexes"), ("experience", "0002_contact_in_contacts_app")]
T0 = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # a month's last half hour


def _populate(apps) -> dict[str, int]:
    """Rows written by the code before 0004, through the models as they were then."""
    calendar = apps.get_model("people", "Calendar").objects.create(name="Old")
    team = apps.get_model("people", "Team").objects.create(
        name="Old", slug="old", calendar=calendar
    )
    user = apps.get_model("people", "User").objects.create(username="olga", email="o@x.test")
    contact = apps.get_model("contacts", "Contact").objects.create(name="Ruth Okafor")
    conversation_model = apps.get_model("desk", "Conversation")
    rated, unrated = (
        conversation_model.objects.create(
            subject=subject,
            channel="email",
            team=team,
            contact=contact,
            created_at=T0,
            updated_at=T0,
        )
        for subject in ("Rated", "Never rated")
    )
    survey_model = apps.get_model("experience", "Survey")
    response_model = apps.get_model("experience", "SurveyResponse")
    for n, (score, at) in enumerate(((2, T0), (5, T0 + dt.timedelta(days=3)))):
        survey = survey_model.objects.create(
            kind="csat", state="sent", conversation=rated, team=team, created_at=at, due_at=at
        )
        response_model.objects.create(
            survey=survey,
            kind="csat",
            score=score,
            conversation=rated,
            team=team,
            month=dt.date(at.year, at.month, 1),
            responded_at=at + dt.timedelta(minutes=n),
            updated_at=at,
        )
    action = apps.get_model("goodwill", "Action").objects.create(
        name="Refund", kind="refund", currency="EUR", has_amount=True, created_at=T0
    )
    grant_model = apps.get_model("goodwill", "Grant")
    ids = {}
    for name, conversation, at in (
        ("rated", rated, T0),
        ("unrated", unrated, T0 - dt.timedelta(days=40)),
    ):
        ids[name] = grant_model.objects.create(
            action=action,
            conversation=conversation,
            contact=contact,
            team=team,
            requested_by=user,
            amount=Decimal("12.50"),
            currency="EUR",
            reason="Late parcel",
            status="granted",
            created_at=at,
        ).pk
    return ids


@pytest.mark.django_db(transaction=True)
def test_old_grants_get_their_month_and_latest_rating(settings):
    settings.TIME_ZONE = "Europe/Berlin"  # T0 is already April there
    executor = migrate_to(BEFORE)
    ids = _populate(executor.loader.project_state(BEFORE[0]).apps)

    migrate_to(executor.loader.graph.leaf_nodes())

    rated, unrated = Grant.objects.get(pk=ids["rated"]), Grant.objects.get(pk=ids["unrated"])
    assert rated.month == dt.date(2026, 4, 1)  # the site's month, as the report counts it
    assert rated.csat == 5  # the later answer, not the first
    assert unrated.month == dt.date(2026, 2, 1) and unrated.csat is None
    manager = make_person("maria", [Role.MANAGER])
    report = reports.spend_report(manager, now=dt.datetime(2026, 4, 20, tzinfo=dt.UTC), months=3)
    months = [(r.key, r.grants, r.csat_n) for r in report.tables["month"]]
    assert months == [(dt.date(2026, 2, 1), 1, 0), (dt.date(2026, 4, 1), 1, 1)]
