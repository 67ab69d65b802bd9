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
