"""SLA clocks through a conversation's life, with explicit times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servewell.commitments import escalation, sla
from servewell.commitments.models import ClockState, Escalation, SlaClock, SlaPolicy
from servewell.commitments.tests.helpers import OFFICE_HOURS, normal_policy, set_hours
from servewell.contacts.contacts import contact_for_email
from servewell.core.models import Notification
from servewell.desk.conversations import open_conversation
from servewell.desk.models import Conversation, Status

LONDON = ZoneInfo("Europe/London")
MON_10 = dt.datetime(2026, 11, 23, 10, tzinfo=LONDON)


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def policy(care):
    set_hours(care, OFFICE_HOURS)
    return normal_policy(
        care, first_response_minutes=120, next_response_minutes=60, resolution_minutes=16 * 60
    )


def new_conversation(team, when=MON_10, priority="normal"):
    contact = contact_for_email("carol@example.net", "Carol Customer")
    conv, _ = open_conversation(
        team=team,
        contact=contact,
        subject="Parcel missing",
        channel="email",
        now=when,
        body_text="Where is it?",
        priority=priority,
    )
    return conv


def set_status(conv, status):
    Conversation.objects.filter(pk=conv.pk).update(status=status)
    conv.refresh_from_db()


def clock(conv, kind):
    return SlaClock.objects.filter(conversation=conv, kind=kind).latest("id")


def test_a_new_conversation_gets_due_times_in_business_hours(policy, care):
    conv = new_conversation(care, when=at(23, 16))  # Monday 16:00
    sla.start_clocks(conv, now=at(23, 16))
    first = clock(conv, "first_response")
    assert first.due_at == at(24, 10)  # 1 h Monday + 1 h Tuesday
    assert first.warn_at == at(24, 9, 30)  # 75 % of 2 h
    assert clock(conv, "resolution").due_at == at(25, 16)


def test_no_policy_means_no_clocks(care):
    conv = new_conversation(care)
    assert sla.start_clocks(conv, now=MON_10) == []


def test_waiting_on_the_customer_pauses_and_their_reply_resumes(policy, care):
    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    set_status(conv, Status.PENDING)
    sla.sync(conv, now=at(23, 11))  # 1 h used
    first = clock(conv, "first_response")
    assert first.state == ClockState.PAUSED and first.remaining_seconds == 3600
    set_status(conv, Status.OPEN)
    sla.customer_wrote(conv, at=at(25, 9))  # two days later
    first = clock(conv, "first_response")
    assert first.state == ClockState.RUNNING and first.due_at == at(25, 10)


def test_the_first_reply_meets_first_response_and_a_customer_message_starts_next(
    policy, care, alice
):
    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    set_status(conv, Status.PENDING)
    sla.responded(conv, at=at(23, 11, 30), responder=alice)
    first = clock(conv, "first_response")
    assert (first.state, first.business_seconds_taken, first.responder) == (
        ClockState.MET,
        5400,
        alice,
    )
    assert clock(conv, "resolution").state == ClockState.PAUSED
    set_status(conv, Status.OPEN)
    sla.customer_wrote(conv, at=at(23, 16, 30))
    nxt = clock(conv, "next_response")
    assert nxt.due_at == at(24, 9, 30)
    assert clock(conv, "resolution").state == ClockState.RUNNING


def test_solving_meets_resolution_and_reopening_continues_it(policy, care):
    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    set_status(conv, Status.SOLVED)
    sla.sync(conv, now=at(23, 14))
    res = clock(conv, "resolution")
    assert res.state == ClockState.MET and res.business_seconds_taken == 4 * 3600
    assert clock(conv, "first_response").state == ClockState.CANCELLED
    set_status(conv, Status.OPEN)
    sla.customer_wrote(conv, at=at(24, 9))
    res = clock(conv, "resolution")
    assert res.state == ClockState.RUNNING
    assert res.due_at == at(25, 13)  # 12 h left: Tue 8 h + Wed 4 h


def test_raising_priority_keeps_time_used_and_applies_the_tighter_target(policy, care):
    SlaPolicy.objects.create(team=care, priority="urgent", first_response_minutes=30)
    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    Conversation.objects.filter(pk=conv.pk).update(priority="urgent")
    conv.refresh_from_db()
    sla.sync(conv, now=at(23, 10, 10))  # 10 min used of the new 30
    first = clock(conv, "first_response")
    assert first.target_seconds == 1800 and first.due_at == at(23, 10, 30)
    # Urgent sets no resolution target: the promise already made stands.
    assert clock(conv, "resolution").target_seconds == 16 * 3600


def test_the_sweep_warns_then_breaches_once_and_escalates(
    policy, care, lena, alice, django_capture_on_commit_callbacks
):
    Escalation.objects.create(policy=policy, trigger="breach", action="notify")
    Escalation.objects.create(
        policy=policy, trigger="breach", kind="first_response", action="raise_priority"
    )
    conv = new_conversation(care)
    Conversation.objects.filter(pk=conv.pk).update(assignee=alice)
    sla.start_clocks(conv, now=MON_10)
    assert sla.sweep(now=at(23, 11)) == {"warnings": 0, "breaches": 0}
    assert sla.sweep(now=at(23, 11, 40)) == {"warnings": 1, "breaches": 0}
    assert sla.sweep(now=at(23, 11, 45)) == {"warnings": 0, "breaches": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.sweep(now=at(23, 12, 1)) == {"warnings": 0, "breaches": 1}
    assert sla.sweep(now=at(23, 13)) == {"warnings": 0, "breaches": 0}
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"alice", "lena"}
    conv.refresh_from_db()
    assert conv.priority == "high"
    views = {v.kind: v.state for v in sla.clocks_for(conv, at(23, 12, 5))}
    assert views["first_response"] == "breached"
    assert sla.was_breached(conv)


def test_sweep_claims_only_due_clocks_with_an_index_range(policy, care):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    with CaptureQueriesContext(connection) as ctx:
        sla.sweep(now=at(23, 9))
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2  # one range read per instant, nothing when nothing is due
    if connection.vendor == "sqlite":
        plan = (
            SlaClock.objects.filter(
                state="running", breached_at__isnull=True, due_at__lte=at(23, 9)
            )
            .order_by("due_at")
            .explain()
        )
        assert "sla_due_running" in plan


def test_escalation_to_another_team_moves_the_conversation(
    policy, care, orders, django_capture_on_commit_callbacks
):
    Escalation.objects.create(policy=policy, trigger="breach", action="reassign", team=orders)
    conv = new_conversation(care)
    sla.start_clocks(conv, now=MON_10)
    ids = list(SlaClock.objects.filter(kind="first_response").values_list("id", flat=True))
    escalation.fire(ids, "breach", now=at(23, 12, 1))
    conv.refresh_from_db()
    assert conv.team == orders


def test_clocks_started_after_an_early_answer_count_it(policy, care, alice):
    conv = new_conversation(care)
    Conversation.objects.filter(pk=conv.pk).update(
        first_response_at=at(23, 10, 20), status=Status.PENDING
    )
    conv.refresh_from_db()
    sla.start_clocks(conv, now=at(23, 10, 21))
    first = clock(conv, "first_response")
    assert first.state == ClockState.MET and first.business_seconds_taken == 1200
    assert clock(conv, "resolution").state == ClockState.PAUSED
