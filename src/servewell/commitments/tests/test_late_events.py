"""Derived state from events processed late: the clocks follow the change's own time.

The durable subscriber runs here long after the change (the change is stamped on a fixed
day in March; the job runs at today's wall clock), as under a slow queue or a replay.
"""

from __future__ import annotations

import datetime as dt

from servewell.commitments import sla
from servewell.commitments.models import ClockState, SlaClock
from servewell.commitments.tests.helpers import normal_policy, set_hours
from servewell.desk import conversations
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_conversation

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_late_processed_status_change_pauses_and_resumes_at_the_change_time(
    care, alice, django_capture_on_commit_callbacks
):
    normal_policy(set_hours(care))  # first response in 60 minutes, around the clock
    conversation = make_conversation(care, now=T0)
    sla.start_clocks(conversation, now=T0)
    paused_at = T0 + dt.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations.update_conversation(
            alice, conversation, expected_version=None, status=Status.PENDING, now=paused_at
        )
    first = SlaClock.objects.get(conversation=conversation, kind="first_response")
    assert first.state == ClockState.PAUSED
    assert first.paused_at == paused_at
    assert first.remaining_seconds == 50 * 60

    resumed_at = T0 + dt.timedelta(minutes=40)
    with django_capture_on_commit_callbacks(execute=True):
        conversations.update_conversation(
            alice, conversation, expected_version=None, status=Status.OPEN, now=resumed_at
        )
    first.refresh_from_db()
    assert first.state == ClockState.RUNNING
    assert first.due_at == resumed_at + dt.timedelta(minutes=50)


def test_the_updated_event_carries_the_time_of_the_change(
    care, alice, django_capture_on_commit_callbacks
):
    from servewell.core import events

    seen = []
    events.subscribe("*")(seen.append)
    try:
        conversation = make_conversation(care, now=T0)
        with django_capture_on_commit_callbacks(execute=True):
            conversations.update_conversation(
                alice, conversation, expected_version=None, priority="high", now=T0
            )
    finally:
        events._subscribers["*"].remove(seen.append)
    updated = [e for e in seen if e.name == "conversation.updated"]
    assert updated and updated[-1].payload["at"] == T0.isoformat()
