"""The queue feed: idempotent, order-tolerant, and it tells the rest of the system."""

from __future__ import annotations

import itertools

import pytest

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.livequeue import feed
from servewell.livequeue.models import Call, CallEvent, CallState
from servewell.people.models import Presence

from .conftest import at


@pytest.fixture
def published(monkeypatch):
    """Domain events as subscribers see them (after commit)."""
    seen: list[events.Event] = []
    monkeypatch.setattr(events, "dispatch", seen.append)
    return seen


def record(kind, call_id="c1", team="care", t=0, **kwargs):
    return feed.record_event(kind, call_id=call_id, team=team, at=at(t), now=at(t), **kwargs)


def test_a_call_that_joins_and_is_answered_and_completed(
    care, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record("joined", caller="+4930123", t=0)
        record("answered", agent="alice", t=12)
        result = record("completed", t=192)
    call = result.call
    assert call.state == CallState.COMPLETED
    assert (call.wait_s, call.talk_s) == (12.0, 180.0)
    assert call.agent == alice
    assert call.caller == "+4930123"


@pytest.mark.parametrize("order", list(itertools.permutations(["joined", "answered", "completed"])))
def test_events_in_any_order_give_the_same_call(care, alice, order):
    times = {"joined": 0, "answered": 12, "completed": 192}
    for kind in order:
        record(kind, t=times[kind], agent="alice" if kind == "answered" else None)
    call = Call.objects.get(call_id="c1")
    assert call.state == CallState.COMPLETED
    assert call.joined_at == at(0)
    assert (call.wait_s, call.talk_s) == (12.0, 180.0)


def test_answered_before_joined_is_answered_and_not_waiting(care):
    record("answered", agent="someone", t=20)
    call = Call.objects.get(call_id="c1")
    assert call.state == CallState.ANSWERED
    assert call.wait_s == 0.0  # nothing better known yet
    record("joined", t=5)
    call.refresh_from_db()
    assert call.state == CallState.ANSWERED
    assert call.wait_s == 15.0


def test_a_repeated_event_changes_nothing_and_publishes_nothing(
    care, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record("joined", t=0)
        record("answered", t=10)
        first = record("completed", t=100)
        second = record("completed", t=500)
    assert not first.duplicate and second.duplicate
    assert second.call.ended_at == at(100)
    assert CallEvent.objects.filter(call_id="c1", kind="completed").count() == 1
    assert [e.name for e in published if e.name.startswith("call.")] == [
        "call.joined",
        "call.answered",
        "call.completed",
    ]


def test_abandoned_after_answered_is_ignored(care, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record("joined", t=0)
        record("answered", t=10)
        record("abandoned", t=11)
    assert Call.objects.get().state == CallState.ANSWERED
    assert "call.abandoned" not in [e.name for e in published]


def test_an_abandoned_call_keeps_how_long_the_caller_waited(care):
    record("joined", t=0)
    record("abandoned", t=47)
    call = Call.objects.get()
    assert call.state == CallState.ABANDONED
    assert call.wait_s == 47.0


def test_completed_call_is_published_with_its_duration_for_the_desk(
    care, alice, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record("joined", caller="+4930123", t=0)
        record("answered", agent="alice", t=5)
        record("completed", t=65)
    done = next(e for e in published if e.name == "call.completed")
    assert done.payload["call_id"] == "c1"
    assert done.payload["team"] == care.pk
    assert done.payload["caller"] == "+4930123"
    assert done.payload["agent"] == "alice"
    assert done.payload["talk_s"] == 60.0


def test_talk_time_given_by_the_phone_system_wins(care):
    record("joined", t=0)
    record("answered", t=5)
    record("completed", t=65, talk_s=58.5)
    assert Call.objects.get().talk_s == 58.5


def test_team_can_be_given_by_id_or_slug(care):
    record("joined", call_id="a", team=care.pk)
    record("joined", call_id="b", team=str(care.pk))
    record("joined", call_id="c", team="care")
    assert Call.objects.filter(team=care).count() == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "exploded"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"team": "nope"}, "team"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_events_are_refused_with_the_field(care, kwargs, field):
    args = {"kind": "joined", "call_id": "c1", "team": "care", **kwargs}
    kind = args.pop("kind")
    with pytest.raises(DomainError) as caught:
        feed.record_event(kind, at=at(0), **args)
    assert caught.value.field == field
    assert not Call.objects.exists()


def test_unknown_agent_is_kept_by_name(care):
    record("joined", t=0)
    record("answered", agent="SIP/1001", t=3)
    call = Call.objects.get()
    assert call.agent is None and call.agent_label == "SIP/1001"


def test_answering_makes_the_agent_busy_and_the_end_available_again(care, alice):
    alice.presence = Presence.AVAILABLE
    alice.save()
    record("joined", t=0)
    record("answered", agent="alice", t=3)
    alice.refresh_from_db()
    assert alice.presence == Presence.BUSY
    record("completed", t=60)
    alice.refresh_from_db()
    assert alice.presence == Presence.AVAILABLE


def test_an_away_agent_stays_away_after_a_call(care, alice):
    alice.presence = Presence.AWAY
    alice.save()
    record("joined", t=0)
    record("answered", agent="alice", t=3)
    record("completed", t=60)
    alice.refresh_from_db()
    assert alice.presence == Presence.AWAY


def test_chats_waiting_for_a_first_agent_count_as_waiting(care):
    from servewell.livequeue import queries

    record("joined", call_id="chat-17", channel="chat", t=0)
    record("joined", call_id="call-1", t=5)
    state = queries.waiting_state(care.pk, at(65))
    assert state["waiting"] == 2
    assert state["longest_wait_s"] == 65.0
