"""Case material from the goodwill app: featured daily-choice stories offered to the
academy. Read only; the goodwill app owns the stories and decides what is offered."""

from __future__ import annotations

from django.db.models import QuerySet


def offered_stories() -> QuerySet:
    from servewell.goodwill.models import Story

    return Story.objects.filter(featured=True, offered_to_academy=True).order_by("-created_at")
