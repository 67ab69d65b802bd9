"""The queue feed: telephony (and chat) events in, a consistent call out.

Every event is stored once per (call id, kind); the call is then *re-derived* from all
of its events. So the order of arrival does not matter — "answered" before "joined"
yields the same call as the other way round — and a repeated event changes nothing and
publishes nothing. Each event then asks for the team's alarms to be judged and a fresh
snapshot pushed to the wallboards — coalesced per team, after the event is stored and
never in its way (``snapshots.py``).

Chats waiting for a first agent use the same feed with ``channel="chat"``: the desk
records "joined" when a chat starts and "answered" when an agent first replies, so they
count as waiting like calls do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.livequeue import snapshots
from servewell.livequeue.models import Call, CallEvent, CallState, Channel, EventKind
from servewell.people.models import Presence, Team, User
from servewell.people.presence import set_presence

CALL_JOINED = events.declare("call.joined", "A caller (or chat) joined a team's queue.")
CALL_ANSWERED = events.declare("call.answered", "An agent answered a queued call.")
CALL_ABANDONED = events.declare("call.abandoned", "A caller hung up while waiting.")
CALL_COMPLETED = events.declare(
    "call.completed", "An answered call ended; carries its talk time in seconds."
)
_PUBLISHED = {
    EventKind.JOINED: CALL_JOINED,
    EventKind.ANSWERED: CALL_ANSWERED,
    EventKind.ABANDONED: CALL_ABANDONED,
    EventKind.COMPLETED: CALL_COMPLETED,
}


@dataclass(frozen=True)
class Recorded:
    call: Call
    duplicate: bool


#: The most events one ``record_events`` call (one batch request) takes.
MAX_BATCH = 500


@dataclass(frozen=True)
class Incoming:
    """One event as a phone system reports it, before it is checked."""

    kind: str
    call_id: str
    team: Team | int | str
    at: datetime
    agent: User | str | None = None
    caller: str = ""
    channel: str = Channel.PHONE
    talk_s: float | None = None
    raw: dict[str, Any] | None = None


@dataclass
class _Checked:
    event: CallEvent
    team: Team
    agent: User | None
    created: bool = False


def resolve_team(value: Any) -> Team:
    """A team given as an instance, an id or a slug."""
    return TeamLookup([value]).get(value)


class TeamLookup:
    """The teams a batch names, read in one query: by id first, then by slug."""

    def __init__(self, values: list[Any]) -> None:
        texts = {_team_text(v) for v in values if not isinstance(v, Team)} - {""}
        ids = {pk for t in texts if (pk := parse_id(t)) is not None}
        found = Team.objects.select_related("calendar").filter(Q(pk__in=ids) | Q(slug__in=texts))
        self.by_id = {t.pk: t for t in found}
        self.by_slug = {t.slug: t for t in self.by_id.values()}

    def get(self, value: Any) -> Team:
        if isinstance(value, Team):
            return value
        text = _team_text(value)
        pk = parse_id(text)
        team = self.by_id.get(pk) if pk is not None else None
        team = team or self.by_slug.get(text)
        if team is None:
            raise DomainError("invalid", f"No team with id or slug {text!r}.", field="team")
        return team


def _team_text(value: Any) -> str:
    return str(value if value is not None else "").strip()


def _agents(items: Sequence[Incoming]) -> dict[str, User]:
    """Active people by lower-cased username, for the agents a batch names."""
    labels = {_agent_label(i.agent).lower() for i in items if isinstance(i.agent, str)} - {""}
    if not labels:
        return {}
    people = User.objects.annotate(lname=Lower("username")).filter(lname__in=labels, is_active=True)
    found: dict[str, User] = {}
    for person in people.order_by("pk"):
        found.setdefault(person.lname, person)
    return found


def _agent_label(agent: User | str | None) -> str:
    if isinstance(agent, User):
        return agent.username
    return str(agent or "").strip()[:150]


def _check(kind: str, call_id: str, at: datetime, channel: str) -> None:
    if kind not in EventKind.values:
        raise DomainError("invalid", f"Use one of: {', '.join(EventKind.values)}.", field="event")
    if not call_id or len(call_id) > 150:
        raise DomainError("invalid", "Give a call id of 1 to 150 characters.", field="call_id")
    if timezone.is_naive(at):
        raise DomainError("invalid", "Give the time with a time zone offset.", field="at")
    if channel not in Channel.values:
        raise DomainError("invalid", "Use phone or chat.", field="channel")


def record_event(
    kind: str,
    *,
    call_id: str,
    team: Team | int | str,
    at: datetime,
    agent: User | str | None = None,
    caller: str = "",
    channel: str = Channel.PHONE,
    talk_s: float | None = None,
    raw: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Store one event and re-derive its call (see ``record_events``)."""
    incoming = Incoming(kind, call_id, team, at, agent, caller, channel, talk_s, raw)
    return record_events([incoming], now=now)[0]


def record_events(items: Sequence[Incoming], *, now: datetime | None = None) -> list[Recorded]:
    """Store events and re-derive their calls, one result per event in the given order.

    All or nothing: a bad event refuses the whole batch before anything is stored (in a
    batch of several, the error's field names the event: ``events.3.team``). The work
    is a fixed number of statements per batch, not per event — the existing events of
    the calls, one insert, the calls (locked), their full history, one insert and one
    update — so a phone system that sends events in batches is served at database
    speed. In a batch, each published event carries the call as the whole batch left it.
    """
    if len(items) > MAX_BATCH:
        raise DomainError("invalid", f"Send at most {MAX_BATCH} events at once.", field="events")
    now = now or timezone.now()
    teams = TeamLookup([i.team for i in items])
    agents = _agents(items)
    checked = []
    for number, item in enumerate(items):
        try:
            checked.append(_checked(item, teams, agents, now))
        except DomainError as exc:
            if len(items) > 1:
                exc.field = f"events.{number}.{exc.field}" if exc.field else f"events.{number}"
            raise
    if not checked:
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                calls = _write(checked)
        except IntegrityError:
            # Another writer stored one of these events or calls a moment ago; one by
            # one, each sees the others' rows once they commit.
            calls = {}
            for one in checked:
                one.created = False
                calls.update(_write_one(one))
        for one in checked:
            call = calls[one.event.call_id]
            if one.created:
                _publish(one.event.kind, call)
                _presence_follows(one.event.kind, call, now)
        # Alarms and the wallboard follow, coalesced per team and off this request:
        # an event is never kept waiting for them (see snapshots.py).
        for team in {call.team_id: call.team for call in calls.values()}.values():
            snapshots.request(team, now=now)
    return [Recorded(calls[one.event.call_id], duplicate=not one.created) for one in checked]


def _checked(item: Incoming, teams: TeamLookup, agents: dict[str, User], now: datetime) -> _Checked:
    call_id = (item.call_id or "").strip()
    _check(item.kind, call_id, item.at, item.channel)
    team = teams.get(item.team)
    label = _agent_label(item.agent)
    agent = item.agent if isinstance(item.agent, User) else agents.get(label.lower())
    details = {
        **(item.raw or {}),
        "agent": label,
        "caller": (item.caller or "")[:150],
        "channel": item.channel,
    }
    if item.talk_s is not None:
        details["talk_s"] = float(item.talk_s)
    event = CallEvent(call_id=call_id, kind=item.kind, at=item.at, received_at=now, raw=details)
    return _Checked(event, team, agent)


def _write_one(one: _Checked, attempts: int = 3) -> dict[str, Call]:
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return _write([one])
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _write(checked: list[_Checked]) -> dict[str, Call]:
    """Insert the new events, then create or re-derive their calls. Raises IntegrityError
    when a concurrent writer got there first (the caller retries one by one)."""
    ids = list(dict.fromkeys(one.event.call_id for one in checked))
    known = set(CallEvent.objects.filter(call_id__in=ids).values_list("call_id", "kind"))
    fresh = []
    for one in checked:
        key = (one.event.call_id, one.event.kind)
        one.created = key not in known
        if one.created:
            known.add(key)
            one.event.pk = None  # a retry after a rolled-back attempt inserts afresh
            fresh.append(one.event)
    CallEvent.objects.bulk_create(fresh)
    # Lock, then read the history: a concurrent event of the same call either committed
    # before the lock (and is read) or waits for it (and re-derives after us).
    locked = Call.objects.select_for_update(of=("self",)).select_related("team__calendar", "agent")
    calls = {c.call_id: c for c in locked.filter(call_id__in=ids)}
    changed = {one.event.call_id for one in checked if one.created} | (set(ids) - set(calls))
    if not changed:
        return calls
    history: dict[str, list[CallEvent]] = defaultdict(list)
    for event in CallEvent.objects.filter(call_id__in=changed):
        history[event.call_id].append(event)
    given = {one.event.call_id: one.agent for one in checked if one.created and one.agent}
    first = {}
    for one in checked:
        first.setdefault(one.event.call_id, one)
    new, updated = [], []
    for call_id in changed:
        summary = derive(history[call_id])
        call = calls.get(call_id)
        if call is None:
            # A new call belongs to the team its first event names, for good (a transfer
            # to another queue re-uses the telephony id).
            call = Call(call_id=call_id, team=first[call_id].team, **summary)
            new.append(call)
        else:
            for name, value in summary.items():
                setattr(call, name, value)
            call.updated_at = timezone.now()
            updated.append(call)
        agent = given.get(call_id)
        if agent is not None:
            call.agent = agent
        elif call.agent_id is None and call.agent_label:
            call.agent = _agent_for(call.agent_label, checked)
        calls[call_id] = call
    Call.objects.bulk_create(new)
    if len(updated) == 1:  # a call's next event: a plain UPDATE, not one CASE per field
        updated[0].save(update_fields=[*_DERIVED, "agent", "updated_at"])
    else:
        Call.objects.bulk_update(updated, [*_DERIVED, "agent", "updated_at"])
    return calls


#: The fields of a call that ``derive`` computes from its events.
_DERIVED = [
    "state", "joined_at", "answered_at", "ended_at", "wait_s", "talk_s", "caller", "channel",
    "agent_label",
]  # fmt: skip


def _agent_for(label: str, checked: list[_Checked]) -> User | None:
    for one in checked:
        if one.agent is not None and one.agent.username.lower() == label.lower():
            return one.agent
    return User.objects.filter(username__iexact=label).first()


def derive(history: list[CallEvent]) -> dict[str, Any]:
    """The call that a set of events describes, whatever order they came in."""
    by_kind = {e.kind: e for e in history}
    joined, answered = by_kind.get(EventKind.JOINED), by_kind.get(EventKind.ANSWERED)
    abandoned, completed = by_kind.get(EventKind.ABANDONED), by_kind.get(EventKind.COMPLETED)
    joined_at = joined.at if joined else min(e.at for e in history)
    answered_at = answered.at if answered else None
    if completed and (answered or not abandoned):
        state, ended_at = CallState.COMPLETED, completed.at
    elif answered:  # an answered call cannot also be abandoned: the answer wins
        state, ended_at = CallState.ANSWERED, None
    elif abandoned:
        state, ended_at = CallState.ABANDONED, abandoned.at
    else:
        state, ended_at = CallState.WAITING, None
    wait_s = None
    if answered_at is not None:
        wait_s = max(0.0, (answered_at - joined_at).total_seconds())
    elif state == CallState.ABANDONED:
        wait_s = max(0.0, (ended_at - joined_at).total_seconds())
    talk_s = None
    if state == CallState.COMPLETED:
        given = completed.raw.get("talk_s")
        if given is not None:
            talk_s = float(given)
        elif answered_at is not None:
            talk_s = max(0.0, (ended_at - answered_at).total_seconds())
    raws = [e.raw for e in sorted(history, key=lambda e: e.at)]
    return {
        "state": state,
        "joined_at": joined_at,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "wait_s": wait_s,
        "talk_s": talk_s,
        "caller": next((r["caller"] for r in raws if r.get("caller")), ""),
        "channel": next((r["channel"] for r in raws if r.get("channel")), Channel.PHONE),
        "agent_label": next((r["agent"] for r in reversed(raws) if r.get("agent")), ""),
    }


def call_payload(call: Call) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "team": call.team_id,
        "team_slug": call.team.slug,
        "channel": call.channel,
        "caller": call.caller,
        "state": call.state,
        "agent": call.agent.username if call.agent else (call.agent_label or None),
        "joined_at": call.joined_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "wait_s": call.wait_s,
        "talk_s": call.talk_s,
    }


def _publish(kind: str, call: Call) -> None:
    if kind == EventKind.ABANDONED and call.state != CallState.ABANDONED:
        return  # the call was answered: this "abandoned" is noise
    events.publish(_PUBLISHED[EventKind(kind)], call_payload(call))


def _presence_follows(kind: str, call: Call, now: datetime) -> None:
    """An agent who answers is busy; when their last call ends they are available
    again. Only these two automatic steps — away or offline is the person's choice."""
    agent = call.agent
    if agent is None:
        return
    if kind == EventKind.ANSWERED and call.state == CallState.ANSWERED:
        if agent.presence == Presence.AVAILABLE:
            set_presence(agent, Presence.BUSY, now=now)
    elif kind == EventKind.COMPLETED and agent.presence == Presence.BUSY:
        still_talking = Call.objects.filter(agent=agent, state=CallState.ANSWERED).exists()
        if not still_talking:
            set_presence(agent, Presence.AVAILABLE, now=now)
