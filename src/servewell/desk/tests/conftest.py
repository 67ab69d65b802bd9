from __future__ import annotations

import pytest

from servewell.core import events


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``with commit(): ...`` runs what waits for the commit (events, jobs) at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def published():
    """Domain events delivered after commit (use with ``commit``), as (name, payload)."""
    seen: list[tuple[str, dict]] = []

    def handler(event: events.Event) -> None:
        seen.append((event.name, event.payload))

    events.subscribe("*")(handler)
    try:
        yield seen
    finally:
        events._subscribers["*"].remove(handler)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Presence and rate-limit counters live in the cache: start every test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
