"""The demo tells the truth: its clocks ran through each conversation's own history."""

from __future__ import annotations

import datetime as dt

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
