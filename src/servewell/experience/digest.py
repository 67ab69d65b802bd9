"""Experience's part of the leads' weekly digest (``core.digest.DIGEST_SECTIONS``): the
week's kudos, from colleagues and passed on from customers."""

from __future__ import annotations

from django.urls import reverse

from servewell.core.contract import FigureQuery
from servewell.core.digest import DigestPart, DigestSection
from servewell.experience.models import Kudos

SHOWN = 3
EXCERPT = 160


def _short(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def week_kudos(viewer, q: FigureQuery) -> DigestPart | None:
    """How many kudos the teams' people got in the week, and the latest few."""
    kudos = Kudos.objects.filter(created_at__gte=q.start, created_at__lt=q.end)
    if q.team_ids is not None:
        kudos = kudos.filter(team_id__in=list(q.team_ids))
    latest = list(kudos.select_related("receiver").order_by("-created_at", "-id")[:SHOWN])
    if not latest:
        return None
    total = len(latest) if len(latest) < SHOWN else kudos.count()
    lines = [f"{total} kudos this week."]
    for k in latest:
        source = "a customer" if k.source_id else "a colleague"
        lines.append(f"{k.receiver} ({k.get_value_display()}, from {source}): {_short(k.message)}")
    wall = reverse("experience-wall")
    return DigestPart("Kudos", lines, [wall] + [""] * len(latest))


SECTIONS = (DigestSection("experience.kudos", week_kudos, order=30),)
