"""SLA clocks: started, paused, resumed, met and swept — the one module that moves them.

A clock stores its due and warning instants. While it runs, the business time left is
``business_seconds(now, due_at)``; while it is paused, ``remaining_seconds`` holds it and
resuming computes a fresh due instant from the calendar. So pausing never shortens a
target, and the periodic sweep only reads an index range of clocks whose instant passed.

The desk tells us what happened through domain events (see ``subscribers.py``); every
function here re-reads the conversation and brings its clocks in line with its current
state, so events that arrive twice or late do no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from servewell.commitments import calendars, escalation
from servewell.commitments.clock import add_business_time, business_seconds
from servewell.commitments.events import SLA_MET
from servewell.commitments.models import ClockKind, ClockState, SlaClock, SlaPolicy
from servewell.core import events
from servewell.core.compiled import CompiledModels, CompiledQuery
from servewell.core.ids import parse_id
from servewell.desk.models import Conversation, Status

log = logging.getLogger(__name__)

PAUSING = {Status.PENDING, Status.ON_HOLD}
DONE = {Status.SOLVED, Status.CLOSED}
OPEN_CLOCK = (ClockState.RUNNING, ClockState.PAUSED)


def policy_for(team_id: int, priority: str) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(team_id=team_id, priority=priority, is_active=True).first()


def _remaining(clock: SlaClock, now: datetime) -> float:
    """Business seconds left (negative once overdue)."""
    if clock.state == ClockState.PAUSED:
        return clock.remaining_seconds or 0.0
    cal = calendars.for_team(clock.team_id)
    if clock.due_at >= now:
        return business_seconds(cal, now, clock.due_at)
    return -business_seconds(cal, clock.due_at, now)


def _schedule(clock: SlaClock, start: datetime, remaining: float) -> None:
    """Set due and warning instants for ``remaining`` business seconds from ``start``."""
    cal = calendars.for_team(clock.team_id)
    remaining = max(remaining, 0.0)
    clock.due_at = add_business_time(cal, start, remaining)
    before_warning = remaining - clock.target_seconds * (1 - clock.warn_fraction)
    clock.warn_at = add_business_time(cal, start, max(before_warning, 0.0))


def _new_clock(
    conversation: Conversation, kind: str, policy: SlaPolicy, start: datetime, *, save: bool = True
) -> SlaClock | None:
    minutes = policy.target_minutes(kind)
    if not minutes:
        return None
    clock = SlaClock(
        conversation=conversation,
        team_id=conversation.team_id,
        kind=kind,
        policy=policy,
        target_seconds=minutes * 60,
        warn_fraction=policy.warn_fraction,
        started_at=start,
    )
    _schedule(clock, start, clock.target_seconds)
    if save:
        clock.save()
    return clock


def start_clocks(conversation: Conversation, *, now: datetime) -> list[SlaClock]:
    """First response and resolution clocks for a new conversation (once)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        return start_clocks_locked(conversation, now=now)


def start_clocks_locked(conversation: Conversation, *, now: datetime) -> list[SlaClock]:
    """``start_clocks`` for a conversation its caller has just read with
    ``select_for_update`` inside its own transaction (the new-conversation job, which
    queues the acknowledgement in the same transaction)."""
    return start_clocks_many_locked([conversation], now=now)


def start_clocks_many_locked(
    conversations: Sequence[Conversation], *, now: datetime
) -> list[SlaClock]:
    """``start_clocks_locked`` for conversations started together (mail filed in one
    batch): which have clocks already and the policies are read once for all, and every
    clock is inserted in one statement."""
    with transaction.atomic(savepoint=False):
        started = set(
            SlaClock.objects.filter(conversation__in=[c.pk for c in conversations])
            .order_by()
            .values_list("conversation_id", flat=True)
            .distinct()
        )
        policies: dict[tuple[int, str], SlaPolicy | None] = {}
        clocks: list[SlaClock] = []
        for conversation in conversations:
            if conversation.pk in started:
                continue
            started.add(conversation.pk)
            key = (conversation.team_id, conversation.priority)
            if key not in policies:
                policies[key] = policy_for(*key)
            if policies[key] is not None:
                clocks += _new_clocks(conversation, policies[key], now)
        SlaClock.objects.bulk_create(clocks)
    return clocks


def _new_clocks(conversation: Conversation, policy: SlaPolicy, now: datetime) -> list[SlaClock]:
    """The clocks of a new conversation, built in memory and brought in line with the
    conversation as it is now, for the caller to insert: one statement instead of an
    insert, a read and an update per clock (this runs for every new conversation)."""
    start = conversation.created_at
    clocks = [
        c
        for kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION)
        if (c := _new_clock(conversation, kind, policy, start, save=False))
    ]
    # Started from a job: an agent may have answered already.
    if conversation.first_response_at is not None:
        for clock in clocks:
            if clock.kind == ClockKind.FIRST_RESPONSE:
                _meet(clock, conversation.first_response_at)
    _sync_locked(conversation, now, clocks=clocks)
    return clocks


def _pause(clock: SlaClock, now: datetime) -> None:
    clock.remaining_seconds = _remaining(clock, now)
    clock.state, clock.paused_at = ClockState.PAUSED, now


def _resume(clock: SlaClock, now: datetime) -> None:
    remaining = clock.remaining_seconds or 0.0
    clock.state, clock.paused_at, clock.remaining_seconds = ClockState.RUNNING, None, None
    _schedule(clock, now, remaining)
    if remaining <= 0:
        clock.due_at = min(clock.due_at, now)


def _meet(clock: SlaClock, now: datetime, responder: Any = None) -> None:
    clock.business_seconds_taken = clock.target_seconds - _remaining(clock, now)
    clock.state, clock.met_at, clock.paused_at = ClockState.MET, now, None
    clock.remaining_seconds = None
    clock.responder = responder if getattr(responder, "pk", None) else None
    events.publish(
        SLA_MET,
        {
            "conversation": clock.conversation_id,
            "kind": clock.kind,
            "late": clock.breached_at is not None,
            "business_seconds": round(clock.business_seconds_taken),
        },
    )


def _retarget(clock: SlaClock, policy: SlaPolicy | None, team_id: int, now: datetime) -> None:
    """Priority or team changed: keep the time already used, apply the new target.

    Where the new policy sets no target of this kind, the promise already made stands.
    """
    minutes = policy.target_minutes(clock.kind) if policy else None
    if not minutes:
        return
    used = clock.target_seconds - _remaining(clock, now)
    was_paused = clock.state == ClockState.PAUSED
    clock.policy, clock.team_id = policy, team_id
    clock.target_seconds, clock.warn_fraction = minutes * 60, policy.warn_fraction
    left = clock.target_seconds - used
    if left > clock.target_seconds * (1 - clock.warn_fraction):
        clock.warned_at = None
    if left > 0:
        clock.breached_at = None
    if was_paused:
        clock.remaining_seconds = max(left, 0.0)
    else:
        _schedule(clock, now, left)
        if left <= 0:
            clock.due_at = now


#: The worker runs these for every reply, change and customer message: compiled once
#: (``core.compiled``).
_LOCKED = CompiledModels(lambda pk: Conversation.objects.select_for_update().filter(pk=pk))
_OPEN_WITH_POLICY = CompiledModels(
    lambda pk: SlaClock.objects.select_related("policy").filter(
        conversation_id=pk, state__in=OPEN_CLOCK
    )
)
_OPEN_RESPONSE_CLOCKS = CompiledModels(
    lambda pk: SlaClock.objects.filter(
        conversation_id=pk,
        state__in=OPEN_CLOCK,
        kind__in=[ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE],
    )
)
_ANY_CLOCK = CompiledQuery(
    lambda pk: SlaClock.objects.filter(conversation_id=pk).values_list("id")[:1]
)


def _locked(pk: int) -> Conversation:
    """The conversation, its row locked to the end of the transaction."""
    found = _LOCKED.fetch(pk)
    if not found:
        raise Conversation.DoesNotExist(f"No conversation {pk}.")
    return found[0]


def _sync_locked(
    conversation: Conversation, now: datetime, *, clocks: list[SlaClock] | None = None
) -> None:
    """Bring the open clocks in line with the conversation. ``clocks``: new clocks not yet
    stored (``start_clocks``), changed in memory only; the caller inserts them."""
    unsaved = clocks is not None
    if clocks is None:
        clocks = _OPEN_WITH_POLICY.fetch(conversation.pk)
    else:
        clocks = [c for c in clocks if c.state in OPEN_CLOCK]
    policy = None
    for clock in clocks:
        if clock.team_id != conversation.team_id or (
            clock.policy is None or clock.policy.priority != conversation.priority
        ):
            policy = policy or policy_for(conversation.team_id, conversation.priority)
            _retarget(clock, policy, conversation.team_id, now)
        if clock.state == ClockState.CANCELLED:
            pass
        elif conversation.status in DONE:
            if clock.kind == ClockKind.RESOLUTION:
                _meet(clock, now)
            else:
                clock.state = ClockState.CANCELLED
        elif conversation.status in PAUSING and clock.state == ClockState.RUNNING:
            _pause(clock, now)
        elif conversation.status not in PAUSING and clock.state == ClockState.PAUSED:
            _resume(clock, now)
        if not unsaved:
            clock.save()


def sync(conversation: Conversation, *, now: datetime) -> None:
    """Bring the clocks in line with the conversation's status, priority and team."""
    with transaction.atomic():
        _sync_locked(_locked(conversation.pk), now)


def responded(conversation: Conversation, *, at: datetime, responder: Any = None) -> None:
    """A public reply: first and next response targets are met."""
    with transaction.atomic():
        conversation = _locked(conversation.pk)
        for clock in _OPEN_RESPONSE_CLOCKS.fetch(conversation.pk):
            _meet(clock, at, responder)
            clock.save()
        _sync_locked(conversation, at)


def has_clocks(conversation_id: int | None) -> bool:
    """Whether any commitment runs on the conversation: a customer's every message asks,
    and most can stop at this one index probe."""
    pk = parse_id(conversation_id)
    return pk is not None and bool(_ANY_CLOCK.rows(pk))


def customer_wrote(conversation: Conversation, *, at: datetime) -> None:
    """The customer wrote again: paused clocks resume, a next-response clock starts, and
    a solved conversation's resolution clock picks up where it stopped."""
    if not has_clocks(conversation.pk):
        return  # no commitments on it (no policy, or not started yet): nothing to lock
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        clocks = list(SlaClock.objects.filter(conversation=conversation))
        if not clocks:
            return
        resolution = [c for c in clocks if c.kind == ClockKind.RESOLUTION]
        if (
            resolution
            and resolution[-1].state == ClockState.MET
            and conversation.status not in DONE
        ):
            clock = resolution[-1]
            clock.state, clock.met_at = ClockState.PAUSED, None
            clock.remaining_seconds = clock.target_seconds - (clock.business_seconds_taken or 0)
            clock.business_seconds_taken = None
            clock.save()
        waiting = any(c.state in OPEN_CLOCK and c.kind != ClockKind.RESOLUTION for c in clocks)
        if not waiting and conversation.status not in DONE:
            policy = policy_for(conversation.team_id, conversation.priority)
            if policy:
                _new_clock(conversation, ClockKind.NEXT_RESPONSE, policy, at)
        _sync_locked(conversation, at)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    kind: str
    label: str
    state: str  # on_track, warning, breached, met, met_late, paused, cancelled
    due_at: datetime | None
    remaining_seconds: float | None
    target_seconds: int


def view(clock: SlaClock, now: datetime) -> ClockView:
    label = ClockKind(clock.kind).label
    if clock.state == ClockState.MET:
        state = "met_late" if clock.breached_at else "met"
        return ClockView(clock.kind, label, state, clock.due_at, None, clock.target_seconds)
    if clock.state == ClockState.CANCELLED:
        return ClockView(clock.kind, label, "cancelled", None, None, clock.target_seconds)
    remaining = _remaining(clock, now)
    if remaining <= 0:
        state = "breached"
    elif clock.state == ClockState.PAUSED:
        state = "paused"
    elif now >= clock.warn_at:
        state = "warning"
    else:
        state = "on_track"
    return ClockView(
        clock.kind,
        label,
        state,
        clock.due_at if clock.state == ClockState.RUNNING else None,
        remaining,
        clock.target_seconds,
    )


def clocks_for(conversation: Conversation, now: datetime) -> list[ClockView]:
    return [view(c, now) for c in _CLOCKS.fetch(conversation.pk)]


#: A conversation's clocks as its SLA panel shows them (refreshed every 30 s by each open
#: page), compiled once.
_CLOCKS = CompiledModels(
    lambda pk: (
        SlaClock.objects.filter(conversation_id=pk)
        .exclude(state=ClockState.CANCELLED)
        .order_by("started_at", "id")
    )
)


def was_breached(conversation: Conversation) -> bool:
    """Did a response target of this conversation pass unanswered (for the apology)?"""
    return bool(_BREACHED.rows(conversation.pk))


#: Asked by the composer of every conversation page and after every reply: compiled once.
_BREACHED = CompiledQuery(
    lambda pk: (
        SlaClock.objects.filter(
            conversation_id=pk,
            breached_at__isnull=False,
            kind__in=[ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE],
            state__in=OPEN_CLOCK,
        )
        .order_by()
        .values_list("id")[:1]
    )
)


# --- the sweep -------------------------------------------------------------------------


def _claim(field: str, instant_field: str, now: datetime, batch: int) -> list[int]:
    """Mark up to ``batch`` clocks whose instant passed; return the ids this sweep owns.

    On PostgreSQL concurrent sweepers skip each other's locked rows; SQLite's single
    writer (IMMEDIATE transactions) serialises them. Either way a clock fires once.
    """
    qs = SlaClock.objects.filter(
        state=ClockState.RUNNING, **{f"{field}__isnull": True, f"{instant_field}__lte": now}
    )
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True)
    ids = list(qs.order_by(instant_field).values_list("id", flat=True)[:batch])
    if ids:
        SlaClock.objects.filter(id__in=ids).update(**{field: now})
    return ids


def sweep(*, now: datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """Raise warnings and breaches that are due; safe to run often and concurrently."""
    now = now or timezone.now()
    fired = {"warnings": 0, "breaches": 0}
    for field, instant, trigger, key in (
        ("warned_at", "warn_at", "warning", "warnings"),
        ("breached_at", "due_at", "breach", "breaches"),
    ):
        while True:
            with transaction.atomic():
                ids = _claim(field, instant, now, batch)
                if ids:
                    escalation.fire(ids, trigger, now=now)
            fired[key] += len(ids)
            if len(ids) < batch:
                break
    return fired


#: One conversation's open clocks, most urgent first, compiled once (``core.compiled``).
_OPEN_CLOCKS = CompiledModels(
    lambda pk: SlaClock.objects.filter(conversation_id=pk, state__in=OPEN_CLOCK).order_by("due_at")
)

#: A page's open clocks, compiled once for each number of rows (``core.compiled``).
_OPEN_CLOCKS_OF = CompiledModels(
    lambda *ids: SlaClock.objects.filter(conversation_id__in=ids, state__in=OPEN_CLOCK).order_by(
        "due_at"
    )
)


def annotate_due(conversations: Sequence[Any], now: datetime) -> dict[int, ClockView]:
    """The inbox's Due column: each row's most urgent open target, in one query for the
    page (the commitments' ``due`` row field)."""
    by_id = {c.pk: c for c in conversations}
    if len(by_id) == 1:  # a conversation page, and every action on one
        clocks = _OPEN_CLOCKS.fetch(next(iter(by_id)))
    else:
        clocks = _OPEN_CLOCKS_OF.fetch(*by_id) if by_id else []
    best: dict[int, SlaClock] = {}
    for clock in clocks:
        current = best.get(clock.conversation_id)
        if current is None or (
            current.state == ClockState.PAUSED and clock.state == ClockState.RUNNING
        ):
            best[clock.conversation_id] = clock
    return {pk: view(clock, now) for pk, clock in best.items()}
