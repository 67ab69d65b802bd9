"""The demo step: surveys answered, pulse rounds (one suppressed), kudos; idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servewell.desk import conversations
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_conversation
from servewell.experience import pulse
from servewell.experience.demo import load_experience_demo
from servewell.experience.models import Kudos, PulseRound, SurveyResponse
from servewell.people.demo import load_people_demo
from servewell.people.models import Team

pytestmark = pytest.mark.django_db


def test_the_demo_builds_surveys_pulse_and_kudos_once():
    load_people_demo()
    now = timezone.now()
    care = Team.objects.get(name="Customer Care")
    agent = care.members.filter(username="aisha").first()
    for day in range(40):
        at = now - timedelta(days=50 - day)
        conversation = make_conversation(care, now=at)
        conversations.update_conversation(
            agent,
            conversation,
            expected_version=None,
            assignee=agent,
            status=Status.SOLVED,
            now=at + timedelta(hours=2),
        )
    summary = load_experience_demo()
    assert summary["survey answers"] > 10
    assert SurveyResponse.objects.filter(kind="csat").exists()
    for team in Team.objects.all():
        closed = PulseRound.objects.filter(team=team, closed_at__isnull=False)
        shown = [r for r in pulse.round_results(closed) if r.shown]
        assert len(shown) >= 3, team
    tech = PulseRound.objects.filter(team__name="Technical Support")
    assert any(not r.shown for r in pulse.round_results(tech))
    assert Kudos.objects.filter(giver__username="maria").exists()
    assert Kudos.objects.filter(receiver__username="maria").exists()
    counts = (SurveyResponse.objects.count(), PulseRound.objects.count(), Kudos.objects.count())
    assert load_experience_demo() == {"surveys": 0, "rounds": 0, "kudos": 0}
    assert counts == (
        SurveyResponse.objects.count(),
        PulseRound.objects.count(),
        Kudos.objects.count(),
    )
