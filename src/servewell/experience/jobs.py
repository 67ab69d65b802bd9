"""Experience jobs: the due-survey sweep every five minutes and the pulse schedule."""

from __future__ import annotations

from django.utils import timezone

from servewell.core.jobs import periodic


@periodic(minute="*/5")
def send_due_surveys() -> None:
    from servewell.experience import surveys

    surveys.send_due_surveys(now=timezone.now())


@periodic(minute="15", hour="*")
def pulse_schedule() -> None:
    from servewell.experience import pulse

    pulse.tick(now=timezone.now())
