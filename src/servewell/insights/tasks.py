"""Periodic work: rollups for today and yesterday, the dashboards warmed each minute, and
the hourly digest check."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from servewell.core import events
from servewell.core.jobs import periodic


@periodic(minute="*/5")
def refresh_rollups() -> None:
    from servewell.insights import rollups

    rollups.refresh(now=timezone.now())


@periodic(minute="*")
def warm_dashboards() -> None:
    """Within the snapshot's two minutes, every minute: a lead's first view is a read."""
    from servewell.insights import dashboard

    dashboard.warm_default_views(now=timezone.now())


@periodic(minute="0")
def send_weekly_digests() -> None:
    from servewell.insights import digest

    digest.send_due(now=timezone.now())


def on_answer_changed(event: events.Event) -> None:
    """A customer who changes an old survey answer changes the dashboard's figure of the
    day they first answered: that day's experience rollups are recomputed at once (today
    and yesterday are the five-minute job's anyway). Subscribed by the app's ``ready``
    only where the experience app declares the event."""
    from servewell.insights import rollups

    payload = event.payload
    if not payload.get("changed") or not payload.get("responded_at"):
        return
    day = datetime.fromisoformat(payload["responded_at"]).date()
    now = timezone.now()
    if day >= now.date() - timedelta(days=1):
        return
    for figure in rollups.rolled_figures():
        if figure.key.startswith("experience."):
            rollups.refresh_figure(figure, day, day, now=now)
