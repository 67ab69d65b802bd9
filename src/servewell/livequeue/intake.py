"""The feed's fast door: telephony events taken on ``?respond=async``, stored at once and
derived into calls by the worker in batches.

Why: a phone system posts an event per request, and a busy contact centre posts hundreds
a second. Answered one by one through Django (``api.QueueEventView``), each event cost
about 7 ms of CPU, two thirds of it re-deriving its call in a transaction of its own.
On this door (a fast lane, ``core.fastlane``) the requests that arrive together are
checked together: one token lookup, one team lookup and one insert for the whole round,
answered ``202`` with the stored event's id. The worker then derives the waiting events
with ``feed.record_events`` a batch at a time (a fixed number of statements per batch),
so the alarms and the wallboard follow within a moment, never in the phone system's way.

Everything that can be refused is refused before the ``202``: the token, the permission,
the JSON, each field, and a team that does not exist. An event that still cannot be
derived later (its team deleted meanwhile) stays as a failed ``PendingEvent`` with the
reason, never dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servewell.core.errors import DomainError
from servewell.core.fastlane import Arrival, Reply
from servewell.core.jobs import drain, huey, job, periodic
from servewell.livequeue import feed
from servewell.livequeue.access import QUEUE_FEED
from servewell.livequeue.models import Channel, EventKind, PendingEvent
from servewell.people.tokens import lane_callers

#: Events derived per transaction by the worker: small enough that the fast door's own
#: writes wait a few milliseconds, not tens, for the single writer (SQLite).
DERIVE_BATCH = 100
#: Set while a derivation job is queued and has not started (see ``_ask_for_derivation``).
DERIVE_ASKED = "livequeue:pending-events-asked"
DERIVE_ASKED_TTL = 300
#: An event still waiting after this was left by a lost job: the sweep derives it.
STALE_AFTER = timedelta(minutes=1)
_deriving = threading.Lock()
#: How long a lane trusts a token and a team it found (see ``users_for_tokens``).
REMEMBER_S = 1.0
#: At most one ask for derivation per process this often, and one after the last. Half a
#: second keeps the wallboard live and lets each job derive a batch: at 50 ms, a centre's
#: steady stream of calls made a job per event or two, each paying the fixed cost of a
#: batch (the teams, the agents, the lock, the snapshot request): deriving was two fifths
#: of the worker's CPU under load; at 0.25 s, with two web processes asking, still about
#: three events a job and a quarter of the worker's CPU at 500 agents.
ASK_EVERY_S = 0.5
_team_ids: dict[str, tuple[float, int]] = {}


def accept_events(arrivals: list[Arrival]) -> list[Reply]:
    """``POST /api/queue/events/?respond=async``: one event per request."""
    return _accept(arrivals, batch=False)


def accept_event_batches(arrivals: list[Arrival]) -> list[Reply]:
    """``POST /api/queue/events/batch/?respond=async``: ``{"events": [...]}``, all or
    nothing, up to ``feed.MAX_BATCH``."""
    return _accept(arrivals, batch=True)


def _accept(arrivals: list[Arrival], *, batch: bool) -> list[Reply]:
    now = timezone.now()
    callers = lane_callers(arrivals, QUEUE_FEED, remember_s=REMEMBER_S)
    replies: list[Reply | None] = []
    parsed: list[tuple[int, Any, list[dict[str, Any]]]] = []
    for number, (arrival, user) in enumerate(zip(arrivals, callers, strict=True)):
        if isinstance(user, Reply):
            replies.append(user)
        else:
            try:
                events = _events_of(arrival.json(), batch=batch, now=now)
            except ValueError as exc:
                replies.append(Reply(400, {"detail": str(exc), "code": "parse_error"}, user.pk))
            except DomainError as exc:
                replies.append(Reply(400, exc.as_dict(), user=user.pk))
            else:
                replies.append(None)
                parsed.append((number, user, events))
    if parsed:
        _store(parsed, replies, now, batch=batch)
    return cast(list[Reply], replies)  # _store answered every None


def _store(
    parsed: list[tuple[int, Any, list[dict[str, Any]]]],
    replies: list[Reply | None],
    now: datetime,
    *,
    batch: bool,
) -> None:
    """Resolve the teams of the whole round in one query, refuse the requests that name
    an unknown one, and store the rest in one transaction."""
    teams = _teams([e["team"] for _, _, events in parsed for e in events])
    rows: list[tuple[int, Any, list[PendingEvent]]] = []
    for number, user, events in parsed:
        try:
            for index, event in enumerate(events):
                try:
                    event["team"] = teams(event["team"])
                except DomainError as exc:
                    if batch:
                        exc.field = f"events.{index}.{exc.field}"
                    raise
        except DomainError as exc:
            replies[number] = Reply(400, exc.as_dict(), user=user.pk)
            continue
        pending = [PendingEvent(payload=e, received_at=now, sender=user) for e in events]
        rows.append((number, user, pending))
    if not rows:
        return
    with transaction.atomic():
        PendingEvent.objects.bulk_create([p for _, _, pending in rows for p in pending])
        transaction.on_commit(_asking.ask)
    for number, user, pending in rows:
        body: dict[str, Any] = {"accepted": len(pending), "ids": [p.pk for p in pending]}
        if not batch:
            body = {"accepted": 1, "id": pending[0].pk}
        replies[number] = Reply(202, body, user=user.pk)


def _teams(values: list[Any]) -> Callable[[Any], int]:
    """Team ids by the id or slug an event gives, remembered for ``REMEMBER_S`` (a
    deleted team's events then fail at derivation, kept with the reason); a name not
    found is looked up again every time, so a team just created is found at once."""
    clock = time.monotonic()
    keys = {str(v).strip() for v in values}
    missing = [k for k in keys if (memo := _team_ids.get(k)) is None or memo[0] <= clock]
    lookup = feed.TeamLookup(missing) if missing else None

    def team_id(value: Any) -> int:
        key = str(value).strip()
        memo = _team_ids.get(key)
        if memo is not None and memo[0] > clock:
            return memo[1]
        assert lookup is not None
        pk = lookup.get(key).pk  # DomainError naming the field when there is none
        _team_ids[key] = (clock + REMEMBER_S, pk)
        return pk

    return team_id


def _events_of(data: Any, *, batch: bool, now: datetime) -> list[dict[str, Any]]:
    if not batch:
        return [parse_event(data, now=now)]
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise DomainError("invalid", 'Send {"events": [...]}.', field="events")
    items = data["events"]
    if not items:
        raise DomainError("invalid", "Send at least one event.", field="events")
    if len(items) > feed.MAX_BATCH:
        raise DomainError(
            "invalid", f"Send at most {feed.MAX_BATCH} events at once.", field="events"
        )
    events = []
    for index, item in enumerate(items):
        try:
            events.append(parse_event(item, now=now))
        except DomainError as exc:
            exc.field = f"events.{index}.{exc.field}" if exc.field else f"events.{index}"
            raise
    return events


def parse_event(data: Any, *, now: datetime) -> dict[str, Any]:
    """One event as the API takes it (the fields of ``api.QueueEventIn``), checked, with
    ``at`` defaulting to ``now``; a ``DomainError`` naming the field otherwise."""
    if not isinstance(data, dict):
        raise DomainError("invalid", "Send the event as a JSON object.")
    kind = data.get("event")
    if kind not in EventKind.values:
        raise DomainError("invalid", f"Use one of: {', '.join(EventKind.values)}.", field="event")
    call_id = _text(data, "call_id", required=True).strip()
    if not call_id:
        raise DomainError("invalid", "Give a call id of 1 to 150 characters.", field="call_id")
    team = data.get("team")
    if isinstance(team, bool) or not isinstance(team, str | int) or not str(team).strip():
        raise DomainError("invalid", "Give the team's id or slug.", field="team")
    if len(str(team)) > 120:
        raise DomainError("invalid", "Keep the team under 120 characters.", field="team")
    channel = data.get("channel", Channel.PHONE)
    if channel not in Channel.values:
        raise DomainError("invalid", "Use phone or chat.", field="channel")
    talk_s = data.get("talk_s")
    if talk_s is not None:
        if isinstance(talk_s, bool) or not isinstance(talk_s, int | float) or not 0 <= talk_s < 1e9:
            raise DomainError(
                "invalid", "Give the talk time in seconds, 0 or more.", field="talk_s"
            )
        talk_s = float(talk_s)
    return {
        "event": kind,
        "call_id": call_id,
        "team": team,
        "at": _when(data.get("at"), now).isoformat(),
        "agent": _text(data, "agent"),
        "caller": _text(data, "caller"),
        "channel": channel,
        "talk_s": talk_s,
    }


def _text(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise DomainError("invalid", "Give text.", field=name)
    if len(value) > 150:
        raise DomainError("invalid", "Keep it to 150 characters.", field=name)
    return value


def _when(value: Any, now: datetime) -> datetime:
    if value is None:
        return now
    try:
        when = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        raise DomainError(
            "invalid", "Give the time in ISO 8601, e.g. 2026-12-05T09:30:00+01:00.", field="at"
        )
    if timezone.is_naive(when):  # as the synchronous door reads it: the server's zone
        when = timezone.make_aware(when)
    return when


# --- Derivation ----------------------------------------------------------------------------


def _ask_for_derivation() -> None:
    """Queue the derivation job unless one is queued and has not started: events stored
    meanwhile ride on it, so under a flood each job derives the whole backlog."""
    if cache.add(DERIVE_ASKED, True, DERIVE_ASKED_TTL):
        # Queued at once, not on commit: every caller asks after its commit already,
        # and the throttle's timer thread must not open a database connection for it.
        derive_pending_events()


class _Throttled:
    """Calls ``action`` at most once per ``every`` seconds in this process, and always
    once more after the last ask: a round stored just after a job began reading is
    derived by the next job at most ``every`` later, and the shared mark
    (``DERIVE_ASKED``, a cache write) is not touched by every round of a flood."""

    def __init__(
        self,
        action: Callable[[], None],
        every: float,
        *,
        inline: Callable[[], bool] = lambda: huey.immediate,
    ) -> None:
        self.action, self.every, self.inline = action, every, inline
        self._lock = threading.Lock()
        self._last = 0.0
        self._trailing: threading.Timer | None = None

    def ask(self) -> None:
        if self.inline():  # jobs run inline (the tests): no thread may run one later
            self.action()
            return
        with self._lock:
            wait = self._last + self.every - time.monotonic()
            if wait > 0:
                if self._trailing is None:
                    self._trailing = threading.Timer(wait, self._fire)
                    self._trailing.daemon = True
                    self._trailing.start()
                return
            self._last = time.monotonic()
        self.action()

    def _fire(self) -> None:
        with self._lock:
            self._trailing = None
            self._last = time.monotonic()
        self.action()


_asking = _Throttled(lambda: _ask_for_derivation(), ASK_EVERY_S)


@job(retries=5, retry_delay=10)
def derive_pending_events() -> None:
    """Derive every waiting event, oldest first, ``DERIVE_BATCH`` at a time."""
    cache.delete(DERIVE_ASKED)  # an event stored after this queues a job of its own
    waiting = PendingEvent.objects.filter(state=PendingEvent.State.RECEIVED)
    with _deriving:
        emptied = drain(lambda: derive(waiting), batch=DERIVE_BATCH, rounds=40)
    if not emptied:
        _ask_for_derivation()  # a flood outlasted this job: the next one goes on


@periodic(minute="*")
def derive_stale_events() -> None:
    """Events whose job was lost (a worker stopped) are derived a minute later."""
    stale = PendingEvent.objects.filter(
        state=PendingEvent.State.RECEIVED, received_at__lt=timezone.now() - STALE_AFTER
    )
    drain(lambda: derive(stale), batch=DERIVE_BATCH)


def derive(waiting: Any, *, limit: int = DERIVE_BATCH) -> int:
    """Record up to ``limit`` of the ``waiting`` events as one batch and delete them;
    returns how many were taken. Two workers deriving the same rows do no harm: the feed
    is idempotent by (call id, event)."""
    rows = list(waiting.order_by("pk")[:limit])
    if not rows:
        return 0
    try:
        # Not one transaction with the delete: ``record_events`` reads the teams and
        # agents before it takes the writer's lock, and the fast door's inserts wait for
        # that lock. Should the process stop between the two, the events are recorded
        # again later as duplicates, which changes nothing.
        feed.record_events([_incoming(row) for row in rows])
    except DomainError:
        _derive_one_by_one(rows)
    else:
        PendingEvent.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _derive_one_by_one(rows: Sequence[PendingEvent]) -> None:
    for row in rows:
        try:
            with transaction.atomic():
                feed.record_events([_incoming(row)])
                row.delete()
        except DomainError as exc:
            row.state = PendingEvent.State.FAILED
            row.reason = exc.message
            row.save(update_fields=["state", "reason"])
            transaction.on_commit(partial(rederive_pending_event.enqueue, row.pk))


@job(retries=3, retry_delay=60)
def rederive_pending_event(pk: int) -> None:
    """One event that could not be derived with its batch, tried on its own; failing,
    it raises the reason, so the event shows on the failed-jobs screen (Admin → Failed
    jobs), where it can be retried once the cause is fixed."""
    row = PendingEvent.objects.filter(pk=pk).first()
    if row is None:
        return
    try:
        with transaction.atomic():
            feed.record_events([_incoming(row)])
            row.delete()
    except DomainError as exc:
        PendingEvent.objects.filter(pk=pk).update(reason=exc.message)
        raise RuntimeError(f"Queue event {pk} could not be recorded: {exc.message}") from None


def _incoming(row: PendingEvent) -> feed.Incoming:
    data = row.payload
    return feed.Incoming(
        kind=data["event"],
        call_id=data["call_id"],
        team=data["team"],
        at=datetime.fromisoformat(data["at"]),
        agent=data.get("agent") or None,
        caller=data.get("caller", ""),
        channel=data.get("channel", Channel.PHONE),
        talk_s=data.get("talk_s"),
    )
