"""Phone calls logged by an agent: on a conversation, or on a contact (a new phone
conversation). Calls from the telephony feed (C3) reach the same function."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from servewell.contacts.models import Contact
from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.desk import search
from servewell.desk.conversations import (
    _bump,
    create_conversation,
    lock,
)
from servewell.desk.events import event_payload, record_activity
from servewell.desk.models import Channel, Conversation, Message, MessageKind, Status
from servewell.people.models import Team

CALL_LOGGED = events.declare("call.logged", "A phone call was logged on a conversation.")
DIRECTIONS = ("inbound", "outbound")
MAX_CALL_SECONDS = 24 * 3600


def log_call(
    actor: Any,
    target: Conversation | Contact,
    *,
    seconds: int,
    notes: str = "",
    direction: str = "inbound",
    team: Team | None = None,
    subject: str = "",
    now: datetime | None = None,
) -> Message:
    """Record a call with its duration and the agent's notes.

    On a contact, a new phone conversation is opened in ``team`` (required) with the call
    as its first message. The agent spoke with the customer, so the call counts as the
    first response.
    """
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid", "Give the call's length in seconds.", field="seconds"
        ) from None
    if not 0 <= seconds <= MAX_CALL_SECONDS:
        raise DomainError("invalid", "A call lasts between 0 s and 24 h.", field="seconds")
    if direction not in DIRECTIONS:
        raise DomainError("invalid", "Direction is inbound or outbound.", field="direction")
    notes = (notes or "").strip()[:20_000]
    now = now or timezone.now()
    with transaction.atomic():
        if isinstance(target, Contact):
            if team is None:
                raise DomainError("invalid", "Choose the team that took the call.", field="team")
            conversation = create_conversation(
                team=team,
                contact=target,
                subject=subject or f"Phone call with {target}",
                channel=Channel.PHONE,
                now=now,
                status=Status.OPEN,
                actor=actor,
            )
        else:
            conversation = lock(target)
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.CALL,
            author=actor if getattr(actor, "is_authenticated", False) else None,
            contact=conversation.contact,
            body_text=notes,
            created_at=now,
            call_seconds=seconds,
            call_direction=direction,
        )
        fields = []
        if conversation.first_response_at is None:
            conversation.first_response_at = now
            fields.append("first_response_at")
        _bump(conversation, now, *fields)
        record_activity(
            conversation,
            "call_logged",
            actor=actor,
            now=now,
            message=message.pk,
            seconds=seconds,
            direction=direction,
        )
        audit.record(
            actor,
            "conversation.call_logged",
            conversation,
            after={"message": message.pk, "seconds": seconds, "direction": direction},
        )
        events.publish(
            CALL_LOGGED,
            event_payload(conversation, message=message.pk, seconds=seconds, direction=direction),
        )
        search.index_conversation(conversation.pk)
    return message
