"""What followed a grant, without blame: did the customer come back within 90 days."""

from __future__ import annotations

from datetime import timedelta

from servewell.desk.models import Conversation
from servewell.goodwill.models import Grant

CAME_BACK_WITHIN = timedelta(days=90)


def mark_came_back(conversation: Conversation) -> int:
    """Kept on the grant (``came_back_at``) so the report never scans conversations; a
    replayed event marks nothing twice, since only unmarked grants are touched."""
    start = conversation.created_at - CAME_BACK_WITHIN
    return (
        Grant.objects.filter(
            contact_id=conversation.contact_id,
            created_at__gte=start,
            created_at__lt=conversation.created_at,
            came_back_at__isnull=True,
        )
        .exclude(conversation_id=conversation.pk)
        .update(came_back_at=conversation.created_at)
    )
