"""Goodwill's part of the leads' weekly digest (``core.digest.DIGEST_SECTIONS``): the
week's featured story, so that what one person chose to do is told to every lead."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from servewell.core.contract import FigureQuery
from servewell.core.digest import DigestPart, DigestSection
from servewell.goodwill.models import Story

EXCERPT = 240


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def featured_story(viewer, q: FigureQuery) -> DigestPart | None:
    """The story featured most recently in the week; with teams, one told about a
    conversation of those teams or written by one of their members."""
    stories = Story.objects.filter(featured=True, featured_at__gte=q.start, featured_at__lt=q.end)
    if q.team_ids is not None:
        ids = list(q.team_ids)
        stories = stories.filter(
            Q(conversation__team_id__in=ids) | Q(author__memberships__team_id__in=ids)
        )
    story = stories.select_related("author").order_by("-featured_at", "-id").first()
    if story is None:
        return None
    link = reverse("goodwill-story", args=[story.pk])
    return DigestPart(
        "Featured story",
        [
            f"{story.title} — told by {story.author}",
            f"What they chose: {_short(story.choice)}",
            f"How it turned out: {_short(story.outcome)}",
        ],
        [link, "", ""],
    )


SECTIONS = (DigestSection("goodwill.featured_story", featured_story, order=20),)
