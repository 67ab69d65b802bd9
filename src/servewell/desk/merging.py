"""Merge two conversations into one; split a message out into a conversation of its own.

Messages keep their email Message-IDs when they move, so a customer's next reply threads
into wherever the message now lives. A merged conversation is closed with a pointer
(``merged_into``) so its reference number keeps leading somewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.desk import search
from servewell.desk.conversations import (
    _bump,
    create_conversation,
    lock,
    lock_any,
)
from servewell.desk.events import event_payload, record_activity
from servewell.desk.models import Conversation, Message, MessageKind, Status

CONVERSATION_MERGED = events.declare(
    "conversation.merged", "A conversation was merged into another one."
)
CONVERSATION_SPLIT = events.declare(
    "conversation.split", "A message was split out into a new conversation."
)

SPLITTABLE = (MessageKind.CUSTOMER, MessageKind.CALL)


def live(conversation: Conversation) -> Conversation:
    """Follow merge pointers to the conversation that now holds the messages."""
    seen = set()
    while conversation.merged_into_id and conversation.pk not in seen:
        seen.add(conversation.pk)
        conversation = conversation.merged_into
    return conversation


def merge(
    actor: Any, source: Conversation, target: Conversation, *, now: datetime | None = None
) -> Conversation:
    """Move every message of ``source`` into ``target``; close ``source`` with a pointer."""
    if source.pk == target.pk:
        raise DomainError("invalid", "A conversation cannot be merged into itself.", field="target")
    now = now or timezone.now()
    with transaction.atomic():
        # Lock in id order so that two opposite merges cannot deadlock.
        first, second = sorted([source.pk, target.pk])
        locked = {first: lock_any(first), second: lock_any(second)}
        source, target = locked[source.pk], locked[target.pk]
        for conv, field in ((source, "source"), (target, "target")):
            if conv.merged_into_id:
                raise DomainError(
                    "invalid",
                    f"#{conv.pk} was already merged into #{conv.merged_into_id}.",
                    field=field,
                )
        moved = Message.objects.filter(conversation=source).update(conversation=target)
        target.tags.add(*source.tags.all())
        target.followers.add(*source.followers.all())
        fields = ["last_customer_message_at"]
        target.last_customer_message_at = max(
            (d for d in (source.last_customer_message_at, target.last_customer_message_at) if d),
            default=None,
        )
        if target.status in (Status.SOLVED, Status.CLOSED) and source.is_open:
            target.status, target.solved_at = Status.OPEN, None
            fields += ["status", "solved_at"]
        _bump(target, now, *fields)
        source.status, source.merged_into = Status.CLOSED, target
        source.solved_at = source.solved_at or now
        _bump(source, now, "status", "merged_into", "solved_at")
        record_activity(source, "merged_into", actor=actor, now=now, target=target.pk)
        record_activity(
            target, "merged_from", actor=actor, now=now, source=source.pk, messages=moved
        )
        audit.record(
            actor,
            "conversation.merged",
            source,
            before={"merged_into": None},
            after={"merged_into": target.pk, "messages": moved},
        )
        events.publish(
            CONVERSATION_MERGED,
            event_payload(target, source=source.pk, messages=moved, at=now.isoformat()),
        )
        search.index_conversation(source.pk)
        search.index_conversation(target.pk)
    return target


def split(
    actor: Any,
    message: Message,
    *,
    subject: str = "",
    now: datetime | None = None,
) -> Conversation:
    """A customer message (or call) becomes the first message of a new conversation in the
    same team, for the same contact."""
    if message.kind not in SPLITTABLE:
        raise DomainError(
            "invalid", "Only a customer's message or a call can be split off.", field="message"
        )
    now = now or timezone.now()
    with transaction.atomic():
        old = lock(message.conversation_id)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.conversation_id != old.pk:
            raise DomainError("conflict", "The message moved meanwhile.", field="message")
        others = Message.objects.filter(conversation=old).exclude(pk=message.pk)
        if not others.exclude(kind=MessageKind.SYSTEM).exists():
            raise DomainError(
                "invalid", "It is the only message: there is nothing to split.", field="message"
            )
        new = create_conversation(
            team=old.team,
            contact=message.contact or old.contact,
            subject=subject or old.subject,
            channel=old.channel,
            now=now,
            priority=old.priority,
            status=Status.OPEN,
            actor=actor,
        )
        message.conversation = new
        message.save(update_fields=["conversation"])
        if message.kind == MessageKind.CUSTOMER:
            new.last_customer_message_at = message.created_at
            new.save(update_fields=["last_customer_message_at"])
        _bump(old, now)
        record_activity(old, "split_to", actor=actor, now=now, other=new.pk, message=message.pk)
        record_activity(new, "split_from", actor=actor, now=now, other=old.pk, message=message.pk)
        audit.record(actor, "conversation.split", old, after={"message": message.pk, "new": new.pk})
        events.publish(CONVERSATION_SPLIT, event_payload(new, source=old.pk, message=message.pk))
        search.index_conversation(old.pk)
        search.index_conversation(new.pk)
    return new
