"""Granting goodwill: at once within the person's limits, otherwise a request.

Concurrency: two grants that each fit but together pass a limit must not both take
effect. Each grant locks its person's and its customer's ``Lock`` row
(``select_for_update``, both in one read; SQLite's IMMEDIATE transactions serialise
writers anyway) and only then sums what was already granted, so the second grant sees
the first. Locks are always taken in one order: two grants never wait on each other in a
cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse

from servewell.commitments import calendars, clock
from servewell.core import audit, events, notifications
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.goodwill import outcomes
from servewell.goodwill.actions import clean_amount, get_authority
from servewell.goodwill.currencies import clean_currency
from servewell.goodwill.models import EFFECTIVE, Action, Grant, Lock, Status
from servewell.people.models import Membership, Role, User

GOODWILL_GRANTED = events.declare(
    "goodwill.granted",
    "Goodwill took effect (within the limits, or approved): a billing system acts on it.",
)
GOODWILL_REQUESTED = events.declare(
    "goodwill.requested", "Goodwill above a limit was asked of the team's leads."
)
CUSTOMER_WINDOW = timedelta(days=30)
#: A request is decided within this much of the team's business time.
DECISION_BUSINESS_HOURS = 4
MAX_REASON = 2000


class Conflict(DomainError):
    status = 409


@dataclass(frozen=True)
class Usage:
    """What counts against the limits before this grant."""

    person_month: Decimal
    customer_30d: Decimal


def month_start(user: User, now: datetime) -> datetime:
    """The first instant of the person's calendar month, in their own time zone."""
    try:
        tz = ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def get_usage(user: User, action: Action, contact_id: int, *, now: datetime) -> Usage:
    """Both sums in one statement: each side of the OR is a range of its own covering
    index (person, action, time / contact, action, time), so no row is read twice."""
    person = Q(requested_by=user, created_at__gte=month_start(user, now))
    customer = Q(contact_id=contact_id, created_at__gt=now - CUSTOMER_WINDOW)
    sums = (
        Grant.objects.filter(person | customer, action=action, status__in=EFFECTIVE)
        .order_by()
        .aggregate(
            person=Sum("amount", filter=person, default=Decimal(0)),
            customer=Sum("amount", filter=customer, default=Decimal(0)),
        )
    )
    return Usage(sums["person"], sums["customer"])


def limits_passed(
    user: User, action: Action, conversation: Conversation, amount: Decimal, *, now: datetime
) -> list[str]:
    """Which limits ``amount`` would pass: "action", "month", "customer"."""
    authority = get_authority(user, action, conversation.team_id)
    usage = get_usage(user, action, conversation.contact_id, now=now)
    passed = []
    if amount > authority.per_action:
        passed.append("action")
    if usage.person_month + amount > authority.per_person_month:
        passed.append("month")
    if usage.customer_30d + amount > authority.per_customer_30d:
        passed.append("customer")
    return passed


def _lock(person_id: int, contact_id: int) -> None:
    """Lock the person's and the customer's rows in one locking read (rows come, and are
    locked, in one order: contact before person, for every grant, so two grants never
    wait on each other in a cycle). Rows missing on a subject's first grant are created
    and the read is repeated; a concurrent creator's row is then read with the lock."""
    wanted = {("person", person_id), ("contact", contact_id)}
    subjects = Q(scope="person", subject_id=person_id) | Q(scope="contact", subject_id=contact_id)
    rows = Lock.objects.select_for_update().filter(subjects).order_by("scope", "subject_id")
    found = {(scope, subject) for scope, subject in rows.values_list("scope", "subject_id")}
    if found == wanted:
        return
    for scope, subject in sorted(wanted - found):
        Lock.objects.get_or_create(scope=scope, subject_id=subject)
    list(rows.values_list("pk"))


def _clean(action: Action, amount: Any, reason: str, currency: str | None) -> tuple[Decimal, str]:
    if not action.is_active:
        raise DomainError("invalid", "This action is no longer offered.", field="action")
    if currency not in (None, ""):
        if clean_currency(currency) != action.currency:
            raise DomainError(
                "invalid", f"{action} is granted in {action.currency}.", field="currency"
            )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("invalid", "Say why: the reason stays with the grant.", field="reason")
    amount = clean_amount(amount) if action.has_amount else Decimal(1)
    return amount, reason[:MAX_REASON]


def grant_goodwill(
    actor: User,
    conversation: Conversation,
    *,
    action: Action,
    amount: Any,
    reason: str,
    now: datetime,
    currency: str | None = None,
) -> Grant:
    """``conversation`` comes from ``access_conversation``: the caller may see it."""
    amount, reason = _clean(action, amount, reason, currency)
    with transaction.atomic():
        _lock(actor.pk, conversation.contact_id)
        passed = limits_passed(actor, action, conversation, amount, now=now)
        grant = Grant.objects.create(
            action=action,
            conversation=conversation,
            contact_id=conversation.contact_id,
            team_id=conversation.team_id,
            requested_by=actor,
            amount=amount,
            currency=action.currency,
            reason=reason,
            status=Status.PENDING if passed else Status.GRANTED,
            over=",".join(passed),
            created_at=now,
            month=outcomes.report_month(now),
            csat=outcomes.latest_rating(conversation.pk),
            deadline=decision_deadline(conversation.team_id, now) if passed else None,
        )
        del grant.csat  # the rating was read by the INSERT itself: loaded again only if asked
        audit.record(actor, f"goodwill.{grant.status}", grant, label=describe(grant))
        if passed:
            _ask_leads(grant, now=now)
        else:
            publish_granted(grant)
    return grant


def decision_deadline(team_id: int, now: datetime) -> datetime:
    """Four business hours of the team's calendar; a team without opening hours gets a
    day of wall time, so a request never waits forever."""
    try:
        cal = calendars.for_team(team_id)
        return clock.add_business_time(cal, now, DECISION_BUSINESS_HOURS * 3600)
    except clock.NoBusinessHours:
        return now + timedelta(days=1)


def describe(grant: Grant) -> str:
    if grant.action.has_amount:
        return f"{grant.action}: {grant.amount} {grant.currency}"
    return str(grant.action)


def event_payload(grant: Grant) -> dict[str, Any]:
    return {
        "grant": grant.pk,
        "conversation": grant.conversation_id,
        "contact": grant.contact_id,
        "team": grant.team_id,
        "action": grant.action_id,
        "kind": grant.action.kind,
        "amount": str(grant.amount) if grant.action.has_amount else None,
        "currency": grant.currency if grant.action.has_amount else None,
        "status": grant.status,
        "requested_by": grant.requested_by_id,
        "decided_by": grant.decided_by_id,
    }


def publish_granted(grant: Grant) -> None:
    events.publish(GOODWILL_GRANTED, event_payload(grant))


def team_leads(team_id: int) -> list[User]:
    ids = Membership.objects.filter(team_id=team_id, is_lead=True).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def managers() -> list[User]:
    return list(User.objects.filter(role_grants__role=Role.MANAGER, is_active=True).distinct())


def _ask_leads(grant: Grant, *, now: datetime) -> None:
    deciders = [u for u in team_leads(grant.team_id) if u.pk != grant.requested_by_id]
    if not deciders:  # a team without another lead: its managers decide at once
        deciders = [u for u in managers() if u.pk != grant.requested_by_id]
    events.publish(GOODWILL_REQUESTED, event_payload(grant))
    notifications.notify(
        deciders,
        f"Goodwill request: {describe(grant)} on #{grant.conversation_id}",
        body=f"{grant.requested_by} asks: {grant.reason}",
        url=reverse("goodwill-grant", args=[grant.pk]),
        now=now,
    )
