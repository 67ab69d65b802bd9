"""What customers asked about: the period's most used tags (the words agents and
customers put on conversations), with growth against the previous period, each a link
to its conversations in the desk's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from servewell.desk.models import Tag
from servewell.insights import snapshots
from servewell.insights.filters import Filters

TOP = 10


@dataclass(frozen=True)
class Theme:
    name: str
    count: int
    previous: int
    url: str

    @property
    def growth(self) -> float | None:
        return None if not self.previous else (self.count - self.previous) / self.previous * 100


def _window(filters: Filters, previous: bool) -> Q:
    q = filters.query(previous=previous)
    window = Q(conversations__created_at__gte=q.start, conversations__created_at__lt=q.end)
    if q.team_ids is not None:
        window &= Q(conversations__team_id__in=q.team_ids)
    if q.person_id:
        window &= Q(conversations__assignee_id=q.person_id)
    return window


def top_themes(filters: Filters, limit: int = TOP) -> list[Theme]:
    rows = (
        Tag.objects.annotate(
            now=Count("conversations", filter=_window(filters, False)),
            before=Count("conversations", filter=_window(filters, True)),
        )
        .filter(now__gt=0)
        .order_by("-now", "name")[:limit]
    )
    inbox = reverse("desk-inbox")
    themes = []
    for tag in rows:
        params = {"view": "all", "tag": tag.name}
        if filters.team:
            params["team"] = filters.team
        themes.append(Theme(tag.name, tag.now, tag.before, f"{inbox}?{urlencode(params)}"))
    return themes


def cached_top_themes(filters: Filters, *, now, fresh: bool = False) -> list[Theme]:
    """The top tags, kept in the cache with the figures of the same scope."""
    return snapshots.cached(
        "themes", snapshots.scope_of(filters), lambda: top_themes(filters), now=now, fresh=fresh
    ).value
