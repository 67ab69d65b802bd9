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
    assert result["reviews"] == 8
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
    assert Review.objects.filter(calibration=None).count() == 8


def test_the_manager_is_reviewed_every_quarter_with_one_perfect_quarter(
    care, alice, lena, maria, quinn
):
    from servewell.quality.models import QuarterTotal
    from servewell.quality.rollup import quarter_of

    now = timezone.now()
    for n in range(6):
        day = now - dt.timedelta(days=5 + n * 3)
        handled(care, alice, opened=day, solved=day + dt.timedelta(hours=1), email=f"r{n}@x.org")
    quarters = set()
    for n, days in enumerate((100, 110, 190, 200, 280, 290)):
        day = now - dt.timedelta(days=days)
        quarters.add(quarter_of(day + dt.timedelta(hours=21)))
        handled(care, maria, opened=day, solved=day + dt.timedelta(hours=1), email=f"m{n}@x.org")
    load_quality_demo()
    reviewed = set(
        Review.objects.filter(reviewee=maria, calibration=None).values_list("quarter", flat=True)
    )
    assert quarters <= reviewed
    perfect = quarter_of(now - dt.timedelta(days=92))
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
