"""Academy jobs: the daily reminder of overdue teach-back reports (07:00 UTC)."""

from __future__ import annotations

from django.utils import timezone

from servewell.core.jobs import periodic


@periodic(hour="7", minute="0")
def remind_overdue_teachbacks() -> None:
    from servewell.academy import teachback

    teachback.remind_overdue(now=timezone.now())
