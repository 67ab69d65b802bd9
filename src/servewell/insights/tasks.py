"""Periodic work: rollups for today and yesterday, the dashboards warmed each minute, and
the hourly digest check."""

from __future__ import annotations

from django.utils import timezone

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
