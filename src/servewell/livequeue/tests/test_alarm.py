"""The all-hands alarm: raised once, cleared with hysteresis, answered with "I'm on it"."""

from __future__ import annotations

import pytest

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.livequeue import alarm, fanout, feed
from servewell.livequeue.models import Alarm, AlarmResponse, AlarmRule, RuleKind
from servewell.livequeue.tasks import evaluate_all_teams
from servewell.people.models import Presence

from .conftest import at


@pytest.fixture
def broadcasts(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(fanout, "publish", sent.append)
    return sent


def join(n, t=0, team="care"):
    return feed.record_event("joined", call_id=f"c{n}", team=team, at=at(t), now=at(t))


def answer(n, t):
    return feed.record_event("answered", call_id=f"c{n}", team="care", at=at(t), now=at(t))


def test_alarm_is_raised_once_when_the_queue_reaches_the_rule(care, waiting_rule):
    join(1)
    join(2)
    assert not Alarm.objects.exists()
    join(3, t=5)
    join(4, t=6)
    raised = Alarm.objects.get()
    assert raised.raised_at == at(5)
    assert raised.cleared_at is None
    assert raised.peak_waiting == 4


def test_alarm_clears_only_below_the_clear_threshold(care, waiting_rule):
    for n in range(1, 5):
        join(n)
    answer(1, 30)
    answer(2, 31)  # 2 waiting: under the trip level, not yet under the clear level
    assert Alarm.objects.get().cleared_at is None
    answer(3, 40)  # 1 waiting: clears
    cleared = Alarm.objects.get()
    assert cleared.cleared_at == at(40)
    assert cleared.peak_waiting == 4
    assert cleared.longest_wait_s >= 31


def test_queue_hovering_at_the_limit_does_not_flap(care, waiting_rule):
    join(1)
    join(2)
    join(3)
    answer(1, 10)
    join(4, t=11)
    answer(2, 12)
    join(5, t=13)
    assert Alarm.objects.count() == 1


def test_longest_wait_rule_trips_on_the_minute_check_without_any_event(care):
    AlarmRule.objects.create(
        team=care, kind=RuleKind.LONGEST_WAIT, threshold=60, clear_threshold=20
    )
    join(1, t=0)
    assert evaluate_all_teams(now=at(59)) == 1
    assert not Alarm.objects.exists()
    evaluate_all_teams(now=at(61))  # a caller stuck in the queue sends no event
    assert Alarm.objects.get().longest_wait_s == 61


def test_service_level_rule_trips_below_and_clears_above(care):
    rule = AlarmRule.objects.create(
        team=care, kind=RuleKind.SERVICE_LEVEL, threshold=80, clear_threshold=90
    )
    snapshot = {"waiting": 0, "longest_wait_s": 0, "service_level_today": 0.5}
    assert alarm.trips(rule, alarm.measure(rule, snapshot))
    assert not alarm.clears(rule, 85)
    assert alarm.clears(rule, 90)
    assert not alarm.trips(rule, None)  # nothing offered yet today


def test_a_deleted_rule_lets_its_alarm_clear(care, waiting_rule):
    for n in range(1, 4):
        join(n)
    waiting_rule.delete()
    alarm.evaluate(care)
    assert Alarm.objects.get().cleared_at is not None


def test_raising_reaches_the_team_its_leads_and_managers(
    care,
    orders,
    waiting_rule,
    alice,
    bob,
    lena,
    maria,
    broadcasts,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 4):
            join(n)
    message = next(m for m in broadcasts if m["type"] == "alarm")
    assert message["data"]["event"] == "raised"
    assert set(message["audience"]) == {alice.pk, lena.pk, maria.pk}
    assert bob.pk not in message["audience"]
    assert not message["org"]


def test_an_org_wide_rule_reaches_everyone(
    care, bob, broadcasts, django_capture_on_commit_callbacks
):
    AlarmRule.objects.create(
        team=care, kind=RuleKind.WAITING, threshold=1, clear_threshold=0, notify_org=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        join(1)
    message = next(m for m in broadcasts if m["type"] == "alarm")
    assert message["org"] and message["audience"] is None


def test_raised_and_cleared_are_domain_events(
    care, waiting_rule, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    monkeypatch.setattr(events, "dispatch", seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 4):
            join(n)
        for n in range(1, 4):
            answer(n, 10 + n)
    names = [e.name for e in seen if e.name.startswith("alarm.")]
    assert names == ["alarm.raised", "alarm.cleared"]


def test_im_on_it_records_the_role_and_makes_them_available(care, waiting_rule, alice, lena, maria):
    for n in range(1, 4):
        join(n)
    open_alarm = Alarm.objects.get()
    lena.presence = Presence.AWAY
    lena.save()
    alarm.respond(open_alarm, lena)
    alarm.respond(open_alarm, maria)
    alarm.respond(open_alarm, alice)
    alarm.respond(open_alarm, lena)  # a second click is the same answer
    roles = dict(AlarmResponse.objects.values_list("user__username", "role"))
    assert roles == {"lena": "lead", "maria": "manager", "alice": "agent"}
    lena.refresh_from_db()
    assert lena.presence == Presence.AVAILABLE


def test_answering_a_cleared_alarm_is_refused(care, waiting_rule, alice):
    for n in range(1, 4):
        join(n)
    for n in range(1, 4):
        answer(n, 10 + n)
    with pytest.raises(DomainError) as caught:
        alarm.respond(Alarm.objects.get(), alice)
    assert caught.value.code == "conflict"


def test_two_open_alarms_for_one_rule_are_impossible(care, waiting_rule):
    from django.db import IntegrityError, transaction

    for n in range(1, 4):
        join(n)
    first = Alarm.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(
            team=care,
            rule=waiting_rule,
            rule_label="x",
            kind="waiting",
            raised_at=first.raised_at,
            trigger_value=3,
        )


def test_a_stream_opens_with_the_open_alarms_one_may_see(
    care, orders, waiting_rule, alice, bob, lena, maria
):
    from servewell.livequeue import queries

    for n in range(1, 4):
        join(n)
    team_alarm = Alarm.objects.get()
    alarm.respond(team_alarm, lena)
    AlarmRule.objects.create(
        team=orders, kind=RuleKind.WAITING, threshold=1, clear_threshold=0, notify_org=True
    )
    join(9, t=30, team="orders")
    org_alarm = Alarm.objects.exclude(pk=team_alarm.pk).get()
    for person, expected in ((alice, [org_alarm, team_alarm]), (bob, [org_alarm])):
        found = queries.open_alarms(person)
        assert found == expected
        assert found == list(queries.list_alarms(person, open_only=True))
    everything = queries.open_alarms(maria)
    assert everything == [org_alarm, team_alarm]
    assert [r.user.username for r in everything[1].responses.all()] == ["lena"]
    assert everything[1].team.name == care.name
