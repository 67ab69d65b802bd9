"""Quality jobs: the weekly sampling run (Monday 06:00 UTC, for the week before)."""

from __future__ import annotations

from django.utils import timezone

from servewell.core.jobs import periodic


@periodic(day_of_week="1", hour="6", minute="0")
def weekly_sampling() -> None:
    from servewell.quality import sampling

    sampling.run_active_plans(now=timezone.now())
