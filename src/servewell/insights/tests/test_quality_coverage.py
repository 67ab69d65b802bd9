"""Review coverage on the dashboard against a hand-built organisation: who of the agents,
leads and managers received a counted review in the period, whatever team it was filed
under, and the drill's list saying the same."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.contract import FigureQuery
from servewell.desk.tests.factories import make_conversation
from servewell.insights import dashboard, drills
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.quality.models import CalibrationSession, Review
from servewell.quality.tests.factories import ScorecardFactory

DAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
START, END = dt.datetime(2026, 3, 9, tzinfo=dt.UTC), dt.datetime(2026, 3, 16, tzinfo=dt.UTC)


@pytest.fixture
def reviewed(care, orders, alice, bob, lena, maria, quinn):
    """In Care: alice (agent) and lena (lead) reviewed; ann (agent) only has reviews that
    do not count or fall outside the week. Managers: maria reviewed, max not. In Orders:
    bob reviewed."""
    ann = make_person("ann", [Role.AGENT], team=care)
    make_person("max", [Role.MANAGER])
    version = ScorecardFactory().versions.get()
    conversation = make_conversation(care, subject="Reviewed", now=DAY)

    def review(person, *, team=care, at=DAY, **fields):
        values = {"state": Review.State.SUBMITTED, "score": 80.0, "reviewer": quinn} | fields
        return Review.objects.create(
            conversation=conversation,
            reviewee=person,
            version=version,
            team=team,
            created_at=at,
            submitted_at=at,
            **values,
        )

    review(alice)
    review(lena, team=orders)  # filed under another team: still a review of lena
    review(maria)
    review(bob, team=orders)
    session = CalibrationSession.objects.create(
        title="Calibrate",
        conversation=conversation,
        version=version,
        started_by=quinn,
        created_at=DAY,
    )
    review(ann, reviewer=ann, is_self_review=True)
    review(ann, calibration=session)
    review(ann, state=Review.State.DRAFT)
    review(ann, score=None)  # every answer N/A
    review(ann, at=START - dt.timedelta(seconds=1))
    review(ann, at=END)
    return ann


def _coverage(group, query):
    return next(
        f for f in dashboard.contract.figures() if f.key == f"quality.coverage_{group}"
    ).compute(query)


@pytest.mark.parametrize(
    ("group", "teams", "expected"),
    [
        ("agents", "care", 1 / 2),  # alice yes, ann no (lena is the lead)
        ("leads", "care", 1.0),
        ("managers", "care", 1 / 2),  # managers are in every team's scope
        ("agents", "all", 2 / 3),  # bob too
        ("managers", "all", 1 / 2),
    ],
)
def test_coverage_counts_people_with_a_counted_review_in_the_period(
    reviewed, care, group, teams, expected
):
    query = FigureQuery(START, END, [care.pk] if teams == "care" else None)
    assert _coverage(group, query) == pytest.approx(expected)


def test_coverage_for_one_person_and_for_nobody(reviewed, care, alice, bob):
    assert _coverage("agents", FigureQuery(START, END, [care.pk], person_id=reviewed.pk)) == 0
    assert _coverage("agents", FigureQuery(START, END, [care.pk], person_id=alice.pk)) == 1
    assert _coverage("agents", FigureQuery(START, END, [care.pk], person_id=bob.pk)) is None


@pytest.mark.parametrize("group", ["agents", "leads", "managers"])
def test_the_coverage_drill_marks_the_same_people_reviewed(reviewed, care, group):
    query = FigureQuery(START, END, [care.pk])
    rows = list(drills.DRILLS[f"quality.coverage_{group}"].rows(query, None))
    assert sum(r[2] == "yes" for r in rows) / len(rows) == pytest.approx(_coverage(group, query))
