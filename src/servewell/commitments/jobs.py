"""Periodic commitments work: the SLA sweep every minute, the aging digest each morning."""

from __future__ import annotations

from django.utils import timezone

from servewell.commitments import aging, sla
from servewell.core.jobs import periodic


@periodic(minute="*")
def sweep_sla() -> None:
    sla.sweep(now=timezone.now())


@periodic(minute="0", hour="7")
def send_aging_digests() -> None:
    aging.send_digests(now=timezone.now())
