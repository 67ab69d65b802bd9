"""After a queue event: alarms judged and wallboards refreshed promptly, without the
event waiting for them, and a burst costs a few refreshes, not one per event."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from servewell.livequeue import fanout, feed, snapshots
from servewell.livequeue.models import Alarm, AlarmRule, RuleKind
from servewell.livequeue.snapshots import Refresher


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def snapshot_requests(monkeypatch) -> list[int]:
    """The teams whose snapshot a refresh asks for, recorded instead of built."""
    asked: list[int] = []

    class Recorder:
        def request(self, team_id: int) -> None:
            asked.append(team_id)

    monkeypatch.setattr(snapshots, "snapshot_refresher", Recorder())
    return asked


@pytest.fixture
def wallboard_open():
    """A wallboard is showing snapshots somewhere (its stream set the shared mark)."""
    cache.set(fanout.WATCHED_KEY, 1, fanout.WATCHED_TTL_S)
    yield
    cache.delete(fanout.WATCHED_KEY)


@pytest.fixture
def refresher(clock):
    return Refresher(work=lambda ids: None, interval_s=0.1, clock=clock, inline=False)


def test_a_lone_event_is_refreshed_at_once(refresher, clock):
    refresher.ask(7)
    assert refresher.take_due() == ({7}, None)


def test_a_burst_is_merged_into_one_trailing_refresh_within_the_bound(refresher, clock):
    refresher.ask(7)
    refresher.take_due()  # the leading edge: the first event of the burst
    for step in range(1, 10):  # nine more events within the next 90 ms
        clock.now = 100 + step * 0.01
        refresher.ask(7)
        assert refresher.due_at(7) <= clock.now + refresher.interval_s  # the bound
    ready, next_at = refresher.take_due()
    assert ready == set()
    assert next_at == pytest.approx(100.1)
    clock.now = 100.1
    assert refresher.take_due() == ({7}, None)  # one refresh for the nine
    assert refresher.due_at(7) is None


def test_teams_do_not_wait_for_each_other(refresher, clock):
    refresher.ask(7)
    refresher.take_due()
    clock.now += 0.02
    refresher.ask(7)
    refresher.ask(8)  # another team, not refreshed lately: at once
    ready, next_at = refresher.take_due()
    assert ready == {8}
    assert next_at == pytest.approx(100.1)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_events_raises_the_alarm_and_the_last_snapshot_shows_them_all(
    care, monkeypatch, wallboard_open
):
    """The production path: a background thread refreshes after the events commit."""
    AlarmRule.objects.create(team=care, kind=RuleKind.WAITING, threshold=3, clear_threshold=1)
    sent: list[dict] = []
    monkeypatch.setattr(fanout, "publish", sent.append)

    def refresh(team_ids: set[int]) -> None:
        try:
            snapshots.refresh_teams(team_ids)
        finally:
            connection.close()  # this thread's connection; the test database is dropped

    def publish(team_ids: set[int]) -> None:
        try:
            snapshots.publish_now(team_ids)
        finally:
            connection.close()

    monkeypatch.setattr(snapshots, "refresher", Refresher(work=refresh, inline=False))
    monkeypatch.setattr(
        snapshots,
        "snapshot_refresher",
        Refresher(work=publish, inline=False, interval_s=snapshots.SNAPSHOT_EVERY_S),
    )
    burst = 30
    for n in range(burst):
        feed.record_event("joined", call_id=f"b{n}", team=care, at=timezone.now())

    def waiting_shown() -> int:
        shots = [m["data"] for m in sent if m["type"] == "snapshot"]
        return shots[-1]["waiting"] if shots else -1

    deadline = time.monotonic() + 30  # a generous wait, not a timing assertion
    while waiting_shown() != burst and time.monotonic() < deadline:
        time.sleep(0.02)
    assert waiting_shown() == burst
    alarm = Alarm.objects.get(team=care)
    assert alarm.cleared_at is None
    last = [m["data"] for m in sent if m["type"] == "snapshot"][-1]
    assert [a["id"] for a in last["alarms"]] == [alarm.pk]
    assert any(m["type"] == "alarm" and m["data"]["event"] == "raised" for m in sent)
    assert len([m for m in sent if m["type"] == "snapshot"]) < burst


def test_a_refresh_judges_the_alarms_and_leaves_the_snapshot_to_its_own_refresher(
    care, monkeypatch, wallboard_open
):
    """Today's figures (the costly part) go through a refresher of their own that pushes
    at most once a second per team; the alarms are judged on every refresh."""
    AlarmRule.objects.create(team=care, kind=RuleKind.WAITING, threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="w1", team=care, at=timezone.now())
    Alarm.objects.all().delete()  # as if not judged yet
    monkeypatch.setattr(fanout, "publish", lambda message: None)
    asked = snapshot_requests(monkeypatch)
    snapshots.refresh_teams({care.pk})
    assert Alarm.objects.filter(team=care, cleared_at=None).exists()
    assert asked == [care.pk]
    assert snapshots.SNAPSHOT_EVERY_S >= 1.0 > snapshots.INTERVAL_S


def test_with_no_wallboard_open_a_refresh_judges_the_alarms_and_builds_no_snapshot(
    care, monkeypatch
):
    """Agents' pages take alarms, not snapshots: nobody would read one."""
    cache.delete(fanout.WATCHED_KEY)
    AlarmRule.objects.create(team=care, kind=RuleKind.WAITING, threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="w1", team=care, at=timezone.now())
    Alarm.objects.all().delete()
    sent: list[dict] = []
    monkeypatch.setattr(fanout, "publish", sent.append)
    asked = snapshot_requests(monkeypatch)
    snapshots.refresh_teams({care.pk})
    assert Alarm.objects.filter(team=care, cleared_at=None).exists()
    assert asked == []
    assert [m for m in sent if m["type"] == "snapshot"] == []
    cache.set(fanout.WATCHED_KEY, 1, fanout.WATCHED_TTL_S)  # a wallboard opens
    snapshots.refresh_teams({care.pk})
    assert asked == [care.pk]
    cache.delete(fanout.WATCHED_KEY)
