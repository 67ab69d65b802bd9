"""Numbers offered to the leader dashboard through the contract."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from servewell.core.contract import FigureQuery
from servewell.goodwill.models import EFFECTIVE, Grant, Status


def _grants(q: FigureQuery):
    grants = Grant.objects.filter(created_at__gte=q.start, created_at__lt=q.end)
    if q.team_ids is not None:
        grants = grants.filter(team_id__in=q.team_ids)
    if q.person_id is not None:
        grants = grants.filter(requested_by_id=q.person_id)
    return grants


def spend(q: FigureQuery) -> float | None:
    """In the currency most grants of the period use: amounts of different currencies
    are never added together."""
    effective = _grants(q).filter(status__in=EFFECTIVE, action__has_amount=True)
    top = effective.values("currency").annotate(n=Count("id")).order_by("-n").first()
    if top is None:
        return None
    total = effective.filter(currency=top["currency"]).aggregate(s=Sum("amount"))["s"]
    return float(total or 0)


def share_without_approval(q: FigureQuery) -> float | None:
    counts = _grants(q).aggregate(
        all=Count("id", filter=Q(status__in=EFFECTIVE)),
        spot=Count("id", filter=Q(status=Status.GRANTED)),
    )
    return round(100 * counts["spot"] / counts["all"], 1) if counts["all"] else None


def open_requests(q: FigureQuery) -> float | None:
    grants = Grant.objects.filter(status=Status.PENDING)
    if q.team_ids is not None:
        grants = grants.filter(team_id__in=q.team_ids)
    if q.person_id is not None:
        grants = grants.filter(requested_by_id=q.person_id)
    return float(grants.count())
