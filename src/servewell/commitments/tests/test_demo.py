"""The demo tells the truth: its clocks ran through each conversation's own history."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from servewell.commitments import accountability, sla
from servewell.commitments.demo import backfill_demo_clocks, load_commitments_demo
from servewell.commitments.models import SlaClock
from servewell.core.models import Notification
from servewell.desk.demo import load_desk_demo
from servewell.desk.models import Conversation
from servewell.people.demo import load_people_demo


def load(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_people_demo()
        load_commitments_demo()
        load_desk_demo()
        backfill_demo_clocks()


def test_the_demo_desk_is_truthful_and_quiet(db, mailoutbox, django_capture_on_commit_callbacks):
    load(django_capture_on_commit_callbacks)
    now = timezone.now()
    # Waiting on the customer is not overdue: clocks paused when it went pending.
    waiting = Conversation.objects.filter(status="pending")
    states = {v.state for c in waiting for v in sla.clocks_for(c, now)}
    assert states and "breached" not in states and "paused" in states
    # Every first response names the person who gave it, and took real time.
    met = SlaClock.objects.filter(kind="first_response", state="met")
    assert met.count() > 200 and not met.filter(responder=None).exists()
    people = accountability.report(
        SlaClock.objects.all(),
        start=now - dt.timedelta(days=90),
        end=now,
        by="person",
    )
    assert "—" not in [row.label for row in people if row.count]
    teams = accountability.report(
        SlaClock.objects.all(), start=now - dt.timedelta(days=90), end=now
    )
    assert all(row.median_s and row.median_s > 60 for row in teams)
    # Nothing is left for the first sweep to announce, and nothing was mailed.
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.sweep(now=now) == {"warnings": 0, "breaches": 0}
    assert mailoutbox == [] and not Notification.objects.exists()
    # A second run adds nothing.
    before = SlaClock.objects.count()
    assert backfill_demo_clocks() == 0 and SlaClock.objects.count() == before


def test_demo_agents_answer_within_their_own_teams_opening_hours(db):
    """A team open evenings and Saturdays answers then, not on the next office morning, or
    its clocks would run through hours the demo pretends nobody worked (and a pending
    conversation would show as overdue depending on when the demo was loaded)."""
    import random

    from servewell.desk.demo import _at_work
    from servewell.people import teams

    late = teams.create_team(
        None,
        name="Late shift",
        time_zone="Europe/Berlin",
        hours=[(d, dt.time(8), dt.time(23)) for d in range(5)] + [(5, dt.time(10), dt.time(16))],
    )
    conv = Conversation(team=late)
    rng = random.Random(7)
    zone = ZoneInfo(late.calendar.time_zone)
    saturday_noon = dt.datetime(2026, 11, 28, 12, 0, tzinfo=zone)
    assert _at_work(conv, saturday_noon, rng) == saturday_noon  # open: answered now
    evening = dt.datetime(2026, 11, 26, 21, 30, tzinfo=zone)
    assert _at_work(conv, evening, rng) == evening  # after 17:00, still the team's hours
    saturday_night = dt.datetime(2026, 11, 28, 18, 0, tzinfo=zone)
    monday = _at_work(conv, saturday_night, rng).astimezone(zone)
    assert monday.date() == dt.date(2026, 11, 30) and dt.time(8) <= monday.time() < dt.time(23)
    night = dt.datetime(2026, 11, 27, 2, 0, tzinfo=zone)
    morning = _at_work(conv, night, rng).astimezone(zone)
    assert morning.date() == night.date() and dt.time(8, 5) <= morning.time() <= dt.time(9, 40)
