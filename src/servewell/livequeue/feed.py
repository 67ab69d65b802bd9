"""The queue feed: telephony (and chat) events in, a consistent call out.

Every event is stored once per (call id, kind); the call is then *re-derived* from all
of its events. So the order of arrival does not matter — "answered" before "joined"
yields the same call as the other way round — and a repeated event changes nothing and
publishes nothing. Each new event then re-evaluates the team's alarms and pushes a
fresh snapshot of the team to the wallboards.

Chats waiting for a first agent use the same feed with ``channel="chat"``: the desk
records "joined" when a chat starts and "answered" when an agent first replies, so they
count as waiting like calls do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.livequeue import alarm, snapshots
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


def resolve_team(value: Any) -> Team:
    """A team given as an instance, an id or a slug."""
    if isinstance(value, Team):
        return value
    text = str(value if value is not None else "").strip()
    team = None
    teams = Team.objects.select_related("calendar")
    if (pk := parse_id(text)) is not None:
        team = teams.filter(pk=pk).first()
    if team is None and text:
        team = teams.filter(slug=text).first()
    if team is None:
        raise DomainError("invalid", f"No team with id or slug {text!r}.", field="team")
    return team


def _resolve_agent(agent: User | str | None) -> tuple[User | None, str]:
    if agent is None or agent == "":
        return None, ""
    if isinstance(agent, User):
        return agent, agent.username
    label = str(agent).strip()[:150]
    return User.objects.filter(username__iexact=label, is_active=True).first(), label


def _check(kind: str, call_id: str, at: datetime) -> None:
    if kind not in EventKind.values:
        raise DomainError("invalid", f"Use one of: {', '.join(EventKind.values)}.", field="event")
    if not call_id or len(call_id) > 150:
        raise DomainError("invalid", "Give a call id of 1 to 150 characters.", field="call_id")
    if timezone.is_naive(at):
        raise DomainError("invalid", "Give the time with a time zone offset.", field="at")


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
    call_id = (call_id or "").strip()
    _check(kind, call_id, at)
    team = resolve_team(team)
    if channel not in Channel.values:
        raise DomainError("invalid", "Use phone or chat.", field="channel")
    agent_user, agent_label = _resolve_agent(agent)
    now = now or timezone.now()
    details = {**(raw or {}), "agent": agent_label, "caller": caller[:150], "channel": channel}
    if talk_s is not None:
        details["talk_s"] = float(talk_s)
    with transaction.atomic():
        event = CallEvent(call_id=call_id, kind=kind, at=at, received_at=now, raw=details)
        created = _insert_once(event)
        if not created:
            known = Call.objects.select_related("team", "agent").filter(call_id=call_id).first()
            if known is not None:
                return Recorded(known, duplicate=True)
        # Create-then-lock: two events of one new call arriving at once both end up
        # re-deriving the same row, the second one seeing both events. A call created
        # here knows only this event, so it is derived from it without another read.
        first = {**derive([event]), "agent": agent_user}
        call, new_call = Call.objects.get_or_create(
            call_id=call_id, defaults={"team": team, **first}
        )
        if new_call:
            call.team = team
        else:
            call = Call.objects.select_for_update().select_related("team__calendar").get(pk=call.pk)
            call = _rederive(call, agent_user)
        if created:
            _publish(kind, call)
            _presence_follows(kind, call, now)
        alarm.evaluate(call.team, now=now)
        snapshots.request(call.team_id)
    return Recorded(call, duplicate=not created)


def _insert_once(event: CallEvent) -> bool:
    """Insert, and let the unique (call id, kind) constraint say whether it is new:
    one statement for the usual case, and race-free."""
    try:
        with transaction.atomic():
            event.save(force_insert=True)
        return True
    except IntegrityError:
        return False


def _agent_for(summary: dict[str, Any], given: User | None) -> User | None:
    if given is not None:
        return given
    label = summary.get("agent_label")
    return User.objects.filter(username__iexact=label).first() if label else None


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


def _rederive(call: Call, agent: User | None) -> Call:
    """Re-summarise the call from all its events. It keeps the team it was first
    reported in (a transfer to another queue re-uses the telephony id)."""
    summary = derive(list(CallEvent.objects.filter(call_id=call.call_id)))
    for name, value in summary.items():
        setattr(call, name, value)
    if agent is not None:
        call.agent = agent
    elif call.agent_id is None and call.agent_label:
        call.agent = _agent_for(summary, None)
    call.save()
    return call


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
