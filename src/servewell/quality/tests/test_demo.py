"""The demo loader: idempotent, and nothing without the desk's conversations."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from servewell.quality.demo import load_quality_demo
from servewell.quality.models import (
    CalibrationSession,
    CoachingSession,
    Dispute,
    Review,
    SamplingPlan,
    Scorecard,
)
from servewell.quality.tests.factories import handled


def test_without_conversations_the_demo_creates_nothing(quinn, maria):
    assert load_quality_demo() == {"reviews": 0}
    assert not Scorecard.objects.exists()


def test_the_demo_loads_once_with_everything_to_try(care, alice, lena, maria, quinn):
    day = timezone.now() - dt.timedelta(days=10)
    for n in range(8):
        person = [alice, lena, maria][n % 3]
        handled(care, person, opened=day, solved=day + dt.timedelta(hours=n), email=f"d{n}@x.org")
    result = load_quality_demo()
    made = Review.objects.filter(calibration=None)
    # Each of the eight is reviewed; the manager may also get her perfect quarter's two.
    assert result["reviews"] == made.count() >= 8
    assert made.values("conversation").distinct().count() == 8
    card = Scorecard.objects.get(name="Service conversation")
    sections = [s.title for s in card.versions.get().sections.all()]
    assert sections == ["Greeting & ownership", "Resolution", "Tone", "Process"]
    reviewed = set(
        Review.objects.filter(calibration=None).values_list("reviewee__username", flat=True)
    )
    assert {"alice", "lena", "maria"} <= reviewed  # leads and managers too
    assert Dispute.objects.filter(state="open").count() == 1
    assert CalibrationSession.objects.get().state == "closed"
    assert CoachingSession.objects.get().items.count() == 2
    assert SamplingPlan.objects.count() == 1
    assert load_quality_demo() == {"reviews": 0}
    assert Review.objects.filter(calibration=None).count() == result["reviews"]


def test_the_manager_is_reviewed_every_quarter_with_one_perfect_quarter(
    care, alice, lena, maria, quinn
):
    from servewell.quality.models import QuarterTotal
    from servewell.quality.rollup import last_complete_quarter, quarter_of

    now = timezone.now()
    for n in range(6):
        day = now - dt.timedelta(days=5 + n * 3)
        handled(care, alice, opened=day, solved=day + dt.timedelta(hours=1), email=f"r{n}@x.org")
    # Two in the middle of the last complete quarter, then two a quarter and two quarters
    # before that: whatever day of the quarter the test runs on.
    this_quarter = dt.datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1, tzinfo=dt.UTC)
    quarters = set()
    for n, days in enumerate((45, 55, 136, 146, 227, 237)):
        day = this_quarter - dt.timedelta(days=days)
        quarters.add(quarter_of(day + dt.timedelta(hours=21)))
        handled(care, maria, opened=day, solved=day + dt.timedelta(hours=1), email=f"m{n}@x.org")
    load_quality_demo()
    reviewed = set(
        Review.objects.filter(reviewee=maria, calibration=None).values_list("quarter", flat=True)
    )
    assert len(quarters) == 3 and quarters <= reviewed
    perfect = last_complete_quarter(now)
    total = QuarterTotal.objects.get(person=maria, kind="person", quarter=perfect)
    assert total.count == 2 and total.total / total.count == 100


def test_the_manager_is_reviewed_in_every_recent_week_she_took_conversations(
    care, alice, lena, maria, quinn
):
    now = timezone.now()
    hers = []
    for n in range(120):  # she takes one in twelve: the random sample alone misses weeks
        day = now - dt.timedelta(days=2 + n // 3)
        person = alice if n % 12 else maria
        made = handled(
            care, person, opened=day, solved=day + dt.timedelta(hours=1), email=f"w{n}@x.org"
        )
        if person == maria:
            hers.append(made)
    load_quality_demo()
    theirs = Review.objects.filter(calibration=None, reviewee=maria)
    reviewed_weeks = {r.submitted_at.isocalendar()[:2] for r in theirs}
    worked_weeks = {
        (c.solved_at + dt.timedelta(hours=20)).isocalendar()[:2]
        for c in hers
        if c.solved_at + dt.timedelta(hours=20) <= now
        and c.solved_at >= now - dt.timedelta(days=35)
    }
    assert worked_weeks and worked_weeks <= reviewed_weeks


def test_the_last_complete_quarter_turns_over_at_new_year():
    from servewell.quality.rollup import last_complete_quarter

    assert last_complete_quarter(dt.datetime(2027, 1, 1, 0, 20, tzinfo=dt.UTC)) == 20264
    assert last_complete_quarter(dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)) == 20263
    assert last_complete_quarter(dt.datetime(2026, 4, 1, tzinfo=dt.UTC)) == 20261
