"""Who else is on a conversation: kept alive by the page's polls, gone when they stop,
and a poll that changes nothing does not rewrite the shared entry."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from servewell.desk import collisions
from servewell.people.models import Role
from servewell.people.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    cache.clear()
    return make_person("ada", [Role.AGENT]), make_person("ben", [Role.AGENT])


def _names(viewers):
    return [(v.name, v.state) for v in viewers]


def test_polling_every_five_seconds_keeps_a_viewer_shown(two):
    ada, ben = two
    for t in range(0, 60, 5):
        collisions.heartbeat(7, ada, now=1000.0 + t)
        assert _names(collisions.heartbeat(7, ben, now=1000.0 + t + 1)) == [(str(ada), "viewing")]


def test_a_closed_page_disappears_after_the_ttl(two):
    ada, ben = two
    collisions.heartbeat(7, ada, now=1000.0)
    collisions.heartbeat(7, ada, now=1005.0)  # nothing changed: not rewritten
    assert _names(collisions.viewers(7, exclude=ben, now=1014.0)) == [(str(ada), "viewing")]
    assert collisions.viewers(7, exclude=ben, now=1016.0) == []


def test_starting_a_reply_shows_at_once(two):
    ada, ben = two
    collisions.heartbeat(7, ada, now=1000.0)
    collisions.heartbeat(7, ada, "replying", now=1001.0)
    assert _names(collisions.viewers(7, exclude=ben, now=1002.0)) == [(str(ada), "replying")]


def test_a_poll_that_changes_nothing_writes_nothing(two, monkeypatch):
    ada, _ben = two
    collisions.heartbeat(7, ada, now=1000.0)
    writes = []
    real_set = collisions.cache.set
    monkeypatch.setattr(
        collisions.cache, "set", lambda *a, **k: writes.append(a) or real_set(*a, **k)
    )
    collisions.heartbeat(7, ada, now=1005.0)
    assert writes == []
    collisions.heartbeat(7, ada, now=1010.0)  # more than half the TTL gone: refreshed
    assert len(writes) == 1


def test_one_renewal_keeps_every_open_stream_shown_with_one_read_and_one_write(two, monkeypatch):
    ada, ben = two
    collisions.heartbeat(7, ada, "replying", now=1000.0)
    collisions.heartbeat(8, ben, now=1000.0)
    reads, writes = [], []
    real_get, real_set = cache.get_many, cache.set_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or real_get(keys))
    monkeypatch.setattr(cache, "set_many", lambda d, t: writes.append(d) or real_set(d, t))
    for t in (1005.0, 1010.0, 1015.0, 1020.0):
        collisions.watch_renew([(ada, 7), (ben, 8)], now=t)
    assert len(reads) == 4 and len(writes) == 2  # every other renewal writes, once for all
    # Long past the TTL of the last heartbeat, both still shown, Ada still writing.
    assert _names(collisions.viewers(7, exclude=ben, now=1030.0)) == [(str(ada), "replying")]
    assert _names(collisions.viewers(8, exclude=ada, now=1030.0)) == [(str(ben), "viewing")]


def test_a_renewal_gathered_before_a_tab_closed_does_not_bring_its_person_back(two):
    """The streams' renewal batch is gathered, then run on a door thread; a tab that
    closed in between has left already. Run after the leave, the renewal must not show
    that person on the conversation again (``livequeue.stream._renew_all``)."""
    from servewell.core import contract
    from servewell.livequeue import stream

    ada, ben = two
    declared = contract.live_watches()["conversation"]
    collisions.heartbeat(7, ada)
    collisions.heartbeat(7, ben)
    gone = (ada, ("tab",))
    still = (ben, ("tab",))
    batch = {declared: [(ada, 7, gone), (ben, 7, still)]}
    stream._leave(ada, [stream._Watch(declared, 7)])  # her tab closed first
    stream._renew_all(batch, {still: None})  # then the renewal gathered before it ran
    assert _names(collisions.viewers(7)) == [(str(ben), "viewing")]
