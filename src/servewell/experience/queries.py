"""Reads shared by the pages, the API, other apps (goodwill's outcomes, quality's
sampling) and the leader dashboard."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Q, QuerySet, Sum

from servewell.contacts.models import Contact
from servewell.core.compiled import CompiledModels
from servewell.experience.models import Kudos, MonthlyRollup, SurveyKind, SurveyResponse
from servewell.experience.rollup import month_of


def csat_by_conversation(conversation_ids: Iterable[int]) -> dict[int, int]:
    """The current (latest) CSAT rating 1-5 per conversation, in one query."""
    ids = [int(i) for i in conversation_ids]
    if not ids:
        return {}
    rows = (
        SurveyResponse.objects.filter(kind=SurveyKind.CSAT, conversation_id__in=ids)
        .order_by("conversation_id", "responded_at", "id")
        .values_list("conversation_id", "score")
    )
    return dict(rows)  # later rows overwrite earlier ones: the latest solve's rating wins


def rated_at_most(max_rating: int) -> QuerySet:
    """Conversation ids rated at most ``max_rating`` (quality's low-rating filter)."""
    return SurveyResponse.objects.filter(
        kind=SurveyKind.CSAT, score__lte=max_rating, conversation__isnull=False
    ).values("conversation_id")


def months_back(now: datetime, months: int) -> list[date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    year, month = now.year, now.month
    out = []
    for _ in range(max(months, 1)):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def csat_trend_for_person(
    user, *, months: int = 6, now: datetime
) -> list[tuple[date, float | None, int]]:
    """(month start, share of 4-5 in %, number of responses) for the person's handled
    conversations, oldest month first."""
    starts = months_back(now, months)
    rows = (
        MonthlyRollup.objects.filter(
            kind=SurveyKind.CSAT, person_id=user.pk, month__gte=starts[0], month__lte=starts[-1]
        )
        .values("month")
        .annotate(n=Sum("responses"), good=Sum("positive"))
    )
    by_month = {r["month"]: (r["n"] or 0, r["good"] or 0) for r in rows}
    return [
        (
            m,
            share(by_month.get(m, (0, 0))[1], by_month.get(m, (0, 0))[0]),
            by_month.get(m, (0, 0))[0],
        )
        for m in starts
    ]


def responses_for_contact(contact_ids: Iterable[int], limit: int = 20) -> list[SurveyResponse]:
    return list(
        SurveyResponse.objects.filter(contact_id__in=list(contact_ids))
        .select_related("handler")
        .order_by("-responded_at", "-id")[:limit]
    )


def responses_for_contact_and_merged(contact_id: int, limit: int = 20) -> list[SurveyResponse]:
    """The answers of a contact and of the contacts merged into it, in one query (the
    panel on every conversation page)."""
    if limit == PANEL_LIMIT:
        return _PANEL_RESPONSES.fetch(contact_id, contact_id)
    return list(_responses_of(contact_id, contact_id)[:limit])


def _responses_of(contact_id: int, merged_into_id: int) -> QuerySet[SurveyResponse]:
    merged = Contact.objects.filter(merged_into_id=merged_into_id).values("pk")
    return (
        SurveyResponse.objects.filter(Q(contact_id=contact_id) | Q(contact_id__in=merged))
        .select_related("handler")
        .order_by("-responded_at", "-id")
    )


PANEL_LIMIT = 10
#: The contact panel's answers (on every conversation page), compiled once.
_PANEL_RESPONSES = CompiledModels(lambda a, b: _responses_of(a, b)[:PANEL_LIMIT])


def kudos_for(user, limit: int = 10) -> list[Kudos]:
    return list(
        Kudos.objects.filter(receiver=user).select_related("giver").order_by("-created_at")[:limit]
    )


def month_start(now: datetime) -> date:
    return month_of(now)
