"""The demo's dashboard comes alive: rebuild the rollups over the demo's history."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servewell.insights import rollups

DEMO_DAYS = 400  # a quarter and the one before it, and a year back for the trends


def load_insights_demo() -> dict[str, int]:
    """Idempotent: a rebuild replaces the rows of the days it covers."""
    now = timezone.now()
    rows = rollups.rebuild(now.date() - timedelta(days=DEMO_DAYS), now.date(), now=now)
    return {"rollup rows": rows}
