"""What followed a grant, without blame: did the customer come back within 90 days, and
how did they rate the conversation. Both are kept on the grant as they happen, so the
report sums columns of one index and never looks anything up per grant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db.models import Subquery
from django.utils import timezone

from servewell.desk.models import Conversation
from servewell.experience.models import SurveyKind, SurveyResponse
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


def contacts_awaiting_return(conversations: Sequence[Conversation]) -> set[int]:
    """Which of these conversations' contacts have goodwill that may yet be marked: one
    read for a batch, where most new conversations come from customers without any."""
    if not conversations:
        return set()
    start = min(c.created_at for c in conversations) - CAME_BACK_WITHIN
    return set(
        Grant.objects.filter(
            contact_id__in={c.contact_id for c in conversations},
            created_at__gte=start,
            came_back_at__isnull=True,
        ).values_list("contact_id", flat=True)
    )


def report_month(moment: datetime) -> date:
    """The month a grant counts in: the first day of its month in the site's time zone
    (what the report's filters and headings use)."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return date(local.year, local.month, 1)


def latest_rating(conversation_id: int) -> Subquery:
    """The conversation's current CSAT rating (the latest solve's answer), as a
    subquery: an UPDATE or INSERT reads it in the same statement."""
    return Subquery(
        SurveyResponse.objects.filter(kind=SurveyKind.CSAT, conversation_id=conversation_id)
        .order_by("-responded_at", "-id")
        .values("score")[:1]
    )


def keep_rating(conversation_id: int) -> int:
    """Copy the conversation's latest rating onto its grants (a rating arrived, changed or
    was erased). A read first: most rated conversations have no goodwill, and a read
    takes no write lock. Replaying it sets the same value again."""
    grants = Grant.objects.filter(conversation_id=conversation_id)
    if not grants.exists():
        return 0
    return grants.update(csat=latest_rating(conversation_id))
