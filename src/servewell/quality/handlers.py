"""Who handled a conversation: the person a review of it is about.

The assignee, else the author of most of its public replies and logged calls (ties go to
whoever spoke first). Internal notes do not count: a colleague who only left a note did
not handle the customer. The same rule exists twice — as a Python function for one
conversation and as a SQL expression for sampling thousands at once — and the tests hold
the two to the same answers.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Count, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from servewell.desk.models import Conversation, Message, MessageKind
from servewell.people.models import User

PUBLIC_KINDS = (MessageKind.REPLY, MessageKind.CALL)


def _top_speakers(conversation_ref):
    return (
        Message.objects.filter(
            conversation=conversation_ref, kind__in=PUBLIC_KINDS, author__isnull=False
        )
        .values("author")
        .annotate(n=Count("id"), first=Min("created_at"))
        .order_by("-n", "first", "author")
        .values("author")
    )


def handler_expression() -> Coalesce:
    """Annotate a ``Conversation`` queryset with the handler's user id."""
    return Coalesce(
        F("assignee_id"),
        Subquery(_top_speakers(OuterRef("pk"))[:1]),
        output_field=BigIntegerField(),
    )


def handler_of(conversation: Conversation) -> User | None:
    if conversation.assignee_id:
        return conversation.assignee
    author = _top_speakers(conversation.pk).first()
    return User.objects.filter(pk=author["author"]).first() if author else None
