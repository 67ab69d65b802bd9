"""What people hear of targets: no warning after the breach, no mail for old breaches,
and one grouped notice per conversation."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.commitments import sla
from servewell.commitments.models import Escalation, SlaClock
from servewell.commitments.tests.test_sla import MON_10, at, new_conversation, policy  # noqa: F401
from servewell.core.models import Notification
from servewell.desk.models import Conversation


@pytest.fixture
def rules(policy):  # noqa: F811
    Escalation.objects.create(policy=policy, trigger="warning", action="notify")
    Escalation.objects.create(policy=policy, trigger="breach", action="notify")
    return policy


def titles():
    return list(Notification.objects.order_by("id").values_list("title", flat=True))


def test_a_sweep_that_finds_the_target_already_missed_sends_no_warning(
    rules, care, alice, lena, mailoutbox, django_capture_on_commit_callbacks
):
    conv = new_conversation(care)
    Conversation.objects.filter(pk=conv.pk).update(assignee=alice)
    sla.start_clocks(conv, now=MON_10)
    with django_capture_on_commit_callbacks(execute=True):
        # The worker was down past both the warning and the due time.
        assert sla.sweep(now=at(23, 12, 5)) == {"warnings": 1, "breaches": 1}
    assert not [t for t in titles() if "close to" in t]
    assert any("missed its first response target" in t for t in titles())
    assert not [m for m in mailoutbox if "close to" in m.subject]


def test_a_warning_is_never_sent_for_a_clock_whose_breach_fired(rules, care, alice):
    conv = new_conversation(care)
    Conversation.objects.filter(pk=conv.pk).update(assignee=alice)
    sla.start_clocks(conv, now=MON_10)
    SlaClock.objects.filter(conversation=conv).update(breached_at=at(23, 12))
    sla.sweep(now=at(23, 11, 40))
    assert not [t for t in titles() if "close to" in t]


def test_a_breach_found_long_after_the_target_is_history_not_mail(
    rules, care, alice, mailoutbox, django_capture_on_commit_callbacks
):
    conv = new_conversation(care)
    Conversation.objects.filter(pk=conv.pk).update(assignee=alice)
    sla.start_clocks(conv, now=MON_10)
    with django_capture_on_commit_callbacks(execute=True):
        sla.sweep(now=at(25, 15))  # two days late: the server was off
    assert Notification.objects.count() == 0 and mailoutbox == []
    assert SlaClock.objects.filter(conversation=conv, breached_at__isnull=False).exists()


def test_warning_then_breach_on_one_conversation_are_one_grouped_notice(
    rules, care, alice, mailoutbox, django_capture_on_commit_callbacks
):
    conv = new_conversation(care, priority="normal")
    Conversation.objects.filter(pk=conv.pk).update(assignee=alice)
    sla.start_clocks(conv, now=MON_10)
    clock = SlaClock.objects.get(conversation=conv, kind="first_response")
    SlaClock.objects.filter(pk=clock.pk).update(warn_at=clock.due_at - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        sla.sweep(now=clock.due_at - dt.timedelta(minutes=1))
        sla.sweep(now=clock.due_at + dt.timedelta(minutes=1))
    mine = Notification.objects.filter(user=alice)
    assert mine.count() == 1
    note = mine.get()
    assert note.count == 2 and note.title.startswith(f"2 updates on #{conv.pk}:")
    assert "missed" in note.title and "close to" in note.body
    assert len([m for m in mailoutbox if m.to == [alice.email]]) == 1
