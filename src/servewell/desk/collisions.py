"""Who else is on a conversation right now: viewing it or writing a reply.

Each open conversation page sends a heartbeat every few seconds; an entry lives
``TTL`` seconds after the last one, so a closed tab disappears by itself. Entries sit in
Django's cache (per process when embedded, Redis when scaled out). The read-modify-write
of one small dict can lose a heartbeat under a race; the next one, seconds later, puts it
back — good enough for a hint. Correctness against overwrites is the version check's job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from servewell.core.errors import DomainError
from servewell.people.models import User

TTL = 15
STATES = ("viewing", "replying")


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    state: str

    @property
    def replying(self) -> bool:
        return self.state == "replying"


def _key(conversation_id: int) -> str:
    return f"desk:viewers:{conversation_id}"


def _alive(entries: dict, now: float) -> dict:
    return {uid: e for uid, e in (entries or {}).items() if e["until"] > now}


def heartbeat(
    conversation_id: int, user: User, state: str = "viewing", *, now: float | None = None
) -> list[Viewer]:
    """Record that ``user`` is on the conversation; return the others who are."""
    if state not in STATES:
        raise DomainError("invalid", "State is viewing or replying.", field="state")
    now = time.time() if now is None else now
    entries = _alive(cache.get(_key(conversation_id)), now)
    mine = entries.get(user.pk)
    if not _unchanged(mine, str(user), state, now):
        entries[user.pk] = {"name": str(user), "state": state, "until": now + TTL}
        cache.set(_key(conversation_id), entries, TTL * 2)
    return _others(entries, user.pk)


def _unchanged(entry: dict | None, name: str, state: str, now: float) -> bool:
    """The entry says the same and lives long enough for the next poll: no write.

    A page polls every 5 s and an entry lives ``TTL`` (15 s) after its last write, so
    a refresh is due only once more than half of that has passed: every other poll
    writes instead of every one."""
    return (
        entry is not None
        and entry["state"] == state
        and entry["name"] == name
        and entry["until"] - now > TTL / 2
    )


def leave(conversation_id: int, user: User, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    entries = _alive(cache.get(_key(conversation_id)), now)
    if entries.pop(user.pk, None) is not None:
        cache.set(_key(conversation_id), entries, TTL * 2)


def viewers(conversation_id: int, *, exclude: User | None = None, now: float | None = None):
    now = time.time() if now is None else now
    entries = _alive(cache.get(_key(conversation_id)), now)
    return _others(entries, exclude.pk if exclude else None)


def _others(entries: dict, me: int | None) -> list[Viewer]:
    return sorted(
        (Viewer(uid, e["name"], e["state"]) for uid, e in entries.items() if uid != me),
        key=lambda v: (not v.replying, v.name),
    )
