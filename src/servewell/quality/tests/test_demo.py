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
