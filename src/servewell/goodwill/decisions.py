"""Deciding goodwill requests: approve or decline, and escalation at the deadline.

Nobody decides their own request. A lead decides their team's requests until the
deadline; a request still open then escalates to managers, and from then on only a
manager (or an admin) decides it. A decline says why, since the requester has to tell
the customer something.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse

from servewell.core import audit, events, notifications
from servewell.core.access import Forbidden, can
from servewell.core.errors import DomainError
from servewell.goodwill.access import GOODWILL_DECIDE
from servewell.goodwill.grants import (
    Conflict,
    describe,
    event_payload,
    managers,
    publish_granted,
)
from servewell.goodwill.models import Grant, Status
from servewell.people.models import Membership, Role, User

GOODWILL_DECIDED = events.declare(
    "goodwill.decided", "A lead or manager approved or declined a goodwill request."
)
GOODWILL_ESCALATED = events.declare(
    "goodwill.escalated", "A goodwill request passed its deadline undecided and went to managers."
)
APPROVE, DECLINE = "approve", "decline"


def _is_manager(user: User) -> bool:
    return user.has_role(Role.MANAGER, Role.ADMIN)


def check_decider(actor: User, grant: Grant) -> None:
    if actor.pk == grant.requested_by_id:
        raise Forbidden("Nobody approves or declines their own request.")
    if not can(actor, GOODWILL_DECIDE):
        raise Forbidden("Only leads and managers decide goodwill requests.")
    if grant.escalated_at is not None and not _is_manager(actor):
        raise Conflict("conflict", "This request passed its deadline and went to the managers.")
    if (
        not _is_manager(actor)
        and not Membership.objects.filter(team_id=grant.team_id, user=actor, is_lead=True).exists()
    ):
        raise Forbidden("Only a lead of this conversation's team decides this request.")


def may_decide(actor: User, grant: Grant) -> bool:
    if grant.status != Status.PENDING:
        return False
    try:
        check_decider(actor, grant)
    except DomainError:
        return False
    return True


def decide(actor: User, grant: Grant, *, decision: str, now: datetime, reason: str = "") -> Grant:
    if decision not in (APPROVE, DECLINE):
        raise DomainError("invalid", "Decide 'approve' or 'decline'.", field="decision")
    reason = (reason or "").strip()[:2000]
    if decision == DECLINE and not reason:
        raise DomainError("invalid", "Say why it is declined.", field="reason")
    with transaction.atomic():
        grant = Grant.objects.select_for_update().select_related("action").get(pk=grant.pk)
        if grant.status != Status.PENDING:
            raise Conflict("conflict", "This request is already decided.")
        check_decider(actor, grant)
        grant.status = Status.APPROVED if decision == APPROVE else Status.DECLINED
        grant.decided_by, grant.decided_at = actor, now
        grant.decision_seconds = max(int((now - grant.created_at).total_seconds()), 0)
        grant.decline_reason = reason if decision == DECLINE else ""
        grant.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_seconds",
                "decline_reason",
            ]
        )
        audit.record(actor, f"goodwill.{grant.status}", grant, label=describe(grant))
        events.publish(GOODWILL_DECIDED, event_payload(grant))
        if decision == APPROVE:
            publish_granted(grant)
        verb = "approved" if decision == APPROVE else "declined"
        notifications.notify(
            [grant.requested_by],
            f"{actor} {verb} {describe(grant)} on #{grant.conversation_id}",
            body=reason,
            url=reverse("goodwill-grant", args=[grant.pk]),
            now=now,
        )
    return grant


def escalate_overdue(*, now: datetime) -> int:
    """Requests still open at their deadline go to the managers, once each."""
    escalated = 0
    due = Grant.objects.filter(
        status=Status.PENDING, deadline__lte=now, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due[:500]):
        with transaction.atomic():
            # The conditional update claims the row: a second sweep running at the same
            # time updates nothing and notifies nobody.
            claimed = Grant.objects.filter(
                pk=pk, status=Status.PENDING, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            grant = Grant.objects.select_related("action", "requested_by").get(pk=pk)
            events.publish(GOODWILL_ESCALATED, event_payload(grant))
            notifications.notify(
                [m for m in managers() if m.pk != grant.requested_by_id],
                f"Overdue goodwill request: {describe(grant)} on #{grant.conversation_id}",
                body=f"{grant.requested_by} asked: {grant.reason}",
                url=reverse("goodwill-grant", args=[grant.pk]),
                now=now,
            )
            escalated += 1
    return escalated
