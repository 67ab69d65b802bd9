"""Recovery: a low rating (1-2) or a negative comment tells the handler and their lead at
once, in the app and by email; the lead can reopen the conversation from the notice. The
time from the rating to the first action (a reply, a note, a reopen) is recorded."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse

from servewell.core import audit, notifications
from servewell.core.compiled import CompiledQuery
from servewell.desk.models import Status
from servewell.experience.models import Recovery, SurveyResponse
from servewell.people.models import Membership, User


def leads_of(user_id: int | None, team_id: int) -> list[User]:
    lead_ids = Membership.objects.filter(team_id=team_id, is_lead=True).values("user_id")
    return list(User.objects.filter(pk__in=lead_ids, is_active=True).exclude(pk=user_id))


def open_recovery(response: SurveyResponse, *, now: datetime) -> Recovery | None:
    """Once per response: a changed answer that is still low does not notify again."""
    recovery, created = Recovery.objects.get_or_create(
        response=response, defaults={"opened_at": now}
    )
    if not created:
        return recovery
    people = leads_of(response.handler_id, response.team_id)
    if response.handler_id:
        people += list(User.objects.filter(pk=response.handler_id, is_active=True))
    reference = f"#{response.conversation_id}" if response.conversation_id else "a survey"
    notifications.notify(
        people,
        f"Low rating on {reference}: {response.score}",
        body=(response.comment[:500] or "No comment.")
        + "\nOpen it to reopen the conversation and put it right.",
        url=reverse("experience-recovery", args=[recovery.pk]),
        now=now,
    )
    return recovery


#: Whether the conversation has a recovery still waiting for its first action: asked on
#: every reply, note and change (most have none), compiled once (``core.compiled``).
_WAITING = CompiledQuery(
    lambda conversation_id: Recovery.objects.filter(
        response__conversation_id=conversation_id, action_at__isnull=True
    ).values_list("id")
)


def record_action(conversation_id: int, *, action: str, actor_id: int | None, at: datetime) -> int:
    """The first action on each open recovery of the conversation (later ones change
    nothing: the figure is the time to the *first* action)."""
    if not _WAITING.rows(conversation_id):
        return 0
    return Recovery.objects.filter(
        response__conversation_id=conversation_id, action_at__isnull=True, opened_at__lte=at
    ).update(action_at=at, action=action[:40], actor_id=actor_id)


def reopen(actor: User, recovery: Recovery, *, now: datetime) -> None:
    from servewell.desk import conversations

    conversation = recovery.response.conversation
    with transaction.atomic():
        if conversation is not None and conversation.status in (Status.SOLVED, Status.CLOSED):
            conversations.update_conversation(
                actor, conversation, expected_version=None, status=Status.OPEN, now=now
            )
        record_action(
            recovery.response.conversation_id or 0, action="reopened", actor_id=actor.pk, at=now
        )
        audit.record(actor, "experience.recovery.reopened", recovery, after={"at": now.isoformat()})
