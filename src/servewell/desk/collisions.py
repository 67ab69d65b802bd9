"""Who else is on a conversation right now: viewing it or writing a reply.

An open conversation page watches the conversation over its live stream (``core.live``,
the ``conversation`` watch declared in the desk's contract): opening the stream enters,
the stream renews the entry every ``RENEW_S`` while it stays open and leaves when it
closes, and a change anyone else there should see (someone came, left or started
writing; the conversation got a new version) is pushed to their streams. A page without
a live stream (reconnecting, or a server that cannot stream) polls ``heartbeat``
instead. Either way an entry lives ``TTL`` seconds after its last renewal, so a tab
that vanished without a word disappears by itself. Entries sit in
Django's cache (per process when embedded, Redis when scaled out). The read-modify-write
of one small dict can lose a heartbeat under a race; the next one, seconds later, puts it
back — good enough for a hint. Correctness against overwrites is the version check's job.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from servewell.core import live
from servewell.core.errors import DomainError
from servewell.desk.access import conversation_version
from servewell.people.models import User

TTL = 15
RENEW_S = 5.0  # a third of TTL: one lost renewal never drops a viewer
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
    return _touch(conversation_id, user, state, time.time() if now is None else now)


def _touch(conversation_id: int, user: User, state: str | None, now: float) -> list[Viewer]:
    """Renew ``user``'s entry (``state`` None: keep the one it has); tell the others
    there when they would see a difference."""
    entries = _alive(cache.get(_key(conversation_id)), now)
    mine = entries.get(user.pk)
    state = state or (mine["state"] if mine else "viewing")
    if not _unchanged(mine, str(user), state, now):
        entries[user.pk] = {"name": str(user), "state": state, "until": now + TTL}
        cache.set(_key(conversation_id), entries, TTL * 2)
        if mine is None or mine["state"] != state:
            _announce(conversation_id, entries, user.pk)
    return _others(entries, user.pk)


def _announce(conversation_id: int, entries: dict, changed: int) -> None:
    """Push the viewers to the streams on this conversation, when anyone but the one
    who changed is there to hear it (the usual case, nobody, costs nothing)."""
    if any(uid != changed for uid in entries):
        live.publish(
            live.topic("conversation", conversation_id),
            "viewers",
            _everyone(conversation_id, entries),
        )


def _everyone(conversation_id: int, entries: dict) -> dict:
    """Everyone on the conversation, the page's own person included (it leaves itself
    out): one frame serves every stream on the topic."""
    return {
        "conversation": conversation_id,
        "viewers": [
            {"user": uid, "name": e["name"], "state": e["state"]} for uid, e in entries.items()
        ],
    }


def announce_versions(versions: dict[int, int]) -> None:
    """Tell the pages open on these conversations (id: new version) that their copy is
    now stale (or, for the page whose action it was, that it is current). After the
    commit, in one hook however many."""
    live.publish_many(
        [
            (live.topic("conversation", pk), "version", {"conversation": pk, "version": version})
            for pk, version in versions.items()
        ]
    )


def _unchanged(entry: dict | None, name: str, state: str, now: float) -> bool:
    """The entry says the same and lives long enough for the next renewal: no write.

    A page renews every 5 s (its stream, or its poll without one) and an entry lives
    ``TTL`` (15 s) after its last write, so a refresh is due only once more than half of
    that has passed: every other renewal writes instead of every one."""
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
        _announce(conversation_id, entries, user.pk)


def viewers(conversation_id: int, *, exclude: User | None = None, now: float | None = None):
    now = time.time() if now is None else now
    entries = _alive(cache.get(_key(conversation_id)), now)
    return _others(entries, exclude.pk if exclude else None)


def _others(entries: dict, me: int | None) -> list[Viewer]:
    return sorted(
        (Viewer(uid, e["name"], e["state"]) for uid, e in entries.items() if uid != me),
        key=lambda v: (not v.replying, v.name),
    )


# --- The ``conversation`` live watch (declared in the desk's app contract) ----------------


def watch_enter(user: User, conversation_id: int) -> None:
    """A stream opened on the conversation: the page's scope check (404 as the page
    gives), then the user is here, in the state they had (a reload keeps "replying")."""
    conversation_version(user, conversation_id)
    _touch(conversation_id, user, None, time.time())


def watch_state(user: User, conversation_id: int) -> list[tuple[str, dict]]:
    """The frames a stream starts from: everyone here (the page leaves itself out) and
    the version, so a page that reconnects learns what it missed."""
    now = time.time()
    entries = _alive(cache.get(_key(conversation_id)), now)
    return [
        ("viewers", _everyone(conversation_id, entries)),
        (
            "version",
            {
                "conversation": conversation_id,
                "version": conversation_version(user, conversation_id),
            },
        ),
    ]


def watch_renew(watchers: Sequence[tuple[User, int]], *, now: float | None = None) -> None:
    """Every open stream of a process at once: one read and at most one write of the
    cache for them all (``_unchanged`` skips most writes)."""
    now = time.time() if now is None else now
    keys = {_key(pk) for _, pk in watchers}
    found = cache.get_many(list(keys))
    entries = {key: _alive(found.get(key), now) for key in keys}
    changed: set[str] = set()
    for user, pk in watchers:
        key = _key(pk)
        mine = entries[key].get(user.pk)
        state = mine["state"] if mine else "viewing"
        if not _unchanged(mine, str(user), state, now):
            entries[key][user.pk] = {"name": str(user), "state": state, "until": now + TTL}
            changed.add(key)
            if mine is None:  # expired meanwhile: back, and the others hear of it
                _announce(pk, entries[key], user.pk)
    if changed:
        cache.set_many({key: entries[key] for key in changed}, TTL * 2)


def watch_leave(user: User, conversation_id: int) -> None:
    leave(conversation_id, user)
