"""Short-lived snapshots of the dashboard's figures in Django's cache.

Computing every figure live costs a few hundred milliseconds at scale (first-response
median and p90 read every met clock of both periods), and the issue allows figures "at
most a few minutes old" as long as each says how old. So a figure set is computed once
per scope and kept for ``TTL_SECONDS``; every viewer of that exact scope reads the same
snapshot, and the page says when it was computed.

The key is the whole scope the numbers depend on: the period's days, the teams the
figures cover (a lead's own teams, or "all" for a manager), the team and person filters,
and which figures the viewer may see. Two leads of different teams therefore never share
an entry; two leads of the same teams do, since their numbers are the same.

Staleness is bounded by the TTL alone (no invalidation on writes: a new clock or call
shows within ``TTL_SECONDS``). ``?fresh=1`` recomputes at once, except when the entry is
younger than ``REFRESH_FLOOR_SECONDS``, so repeated refreshes cannot hammer the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.cache import cache

from servewell.insights.filters import Filters

TTL_SECONDS = 120
REFRESH_FLOOR_SECONDS = 10
VERSION = 1  # bump when the stored shape changes

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    computed_at: datetime

    @property
    def freshness(self) -> str:
        return f"as of {self.computed_at:%Y-%m-%d %H:%M} UTC"


def scope_of(filters: Filters) -> tuple:
    """Everything in ``filters`` that changes a number or a link on the dashboard."""
    teams = "all" if filters.team_ids is None else tuple(sorted(filters.team_ids))
    return (
        filters.period,
        filters.start_day.isoformat(),
        filters.end_day.isoformat(),
        teams,
        filters.team,
        filters.person,
    )


def key_of(name: str, parts: Iterable[object]) -> str:
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()
    return f"insights:{name}:v{VERSION}:{digest}"


def age_seconds(name: str, parts: Iterable[object], *, now: datetime) -> float | None:
    """How old the stored snapshot for ``parts`` is; None when there is none."""
    hit = cache.get(key_of(name, parts))
    return (now - hit.computed_at).total_seconds() if isinstance(hit, Snapshot) else None


def cached(
    name: str,
    parts: Iterable[object],
    compute: Callable[[], T],
    *,
    now: datetime,
    fresh: bool = False,
) -> Snapshot[T]:
    """The stored snapshot for ``parts``, or a new one from ``compute()`` kept for the TTL.

    ``compute`` must return something the cache can pickle (plain data, no callables)."""
    key = key_of(name, parts)
    hit = cache.get(key)
    if isinstance(hit, Snapshot):
        age = (now - hit.computed_at).total_seconds()
        if not fresh or age < REFRESH_FLOOR_SECONDS:
            return hit
    snapshot = Snapshot(compute(), now)
    cache.set(key, snapshot, TTL_SECONDS)
    return snapshot
