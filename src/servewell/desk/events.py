"""What happened to a conversation: the event names the desk publishes, their payload,
and the activity line on the conversation's history.

Its own module so that every writer (conversations, assignment, merging, calls, macros,
the mail pipeline) records and announces the same way without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from servewell.core import events
from servewell.desk.models import Activity, Conversation

CONVERSATION_CREATED = events.declare("conversation.created", "A new conversation was opened.")
MESSAGE_RECEIVED = events.declare("message.received", "A customer wrote on a conversation.")
CONVERSATION_REOPENED = events.declare(
    "conversation.reopened", "A customer wrote again on a solved conversation."
)
CONVERSATION_UPDATED = events.declare(
    "conversation.updated", "Status, priority, team, assignee or tags of a conversation changed."
)
CONVERSATION_ASSIGNED = events.declare(
    "conversation.assigned", "A conversation was assigned, taken or unassigned."
)
#: Payload adds ``message``, ``author`` and ``deliver`` (false for imported or demo history
#: that must not be sent); the mail pipeline subscribes to send email and web replies.
MESSAGE_REPLIED = events.declare("message.replied", "An agent replied to the customer.")
NOTE_ADDED = events.declare("note.added", "An agent added an internal note.")
CONVERSATION_FOLLOWED = events.declare(
    "conversation.followed", "Someone followed or unfollowed a conversation."
)


def record_activity(
    conversation: Conversation,
    verb: str,
    *,
    actor: Any = None,
    now: datetime | None = None,
    **data: Any,
) -> Activity:
    data.setdefault("v", conversation.version)
    return Activity.objects.create(
        conversation=conversation,
        verb=verb,
        data=data,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now or timezone.now(),
    )


def record_activities(entries: Iterable[tuple[Conversation, str, dict[str, Any]]]) -> None:
    """Several (conversation, verb, data) entries in one insert, for work done in a
    batch (a batch of acknowledgements sent over one connection)."""
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(
            conversation=conversation,
            verb=verb,
            data={"v": conversation.version, **data},
            at=now,
        )
        for conversation, verb, data in entries
    )


def event_payload(conversation: Conversation, **extra: Any) -> dict[str, Any]:
    """The conversation's state as every desk event carries it, plus the event's own."""
    return {
        "conversation": conversation.pk,
        "team": conversation.team_id,
        "status": conversation.status,
        "priority": conversation.priority,
        "channel": conversation.channel,
        "assignee": conversation.assignee_id,
        **extra,
    }
