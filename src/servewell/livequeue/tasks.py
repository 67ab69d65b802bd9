"""Periodic work of the live queue."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from servewell.core.jobs import periodic
from servewell.livequeue import alarm, snapshots
from servewell.livequeue.models import Alarm, AlarmRule
from servewell.people.models import Team


def evaluate_all_teams(*, now: datetime | None = None) -> int:
    """Judge every team with a rule or an open alarm. A longest-wait rule has to be
    checked with no event arriving: a caller stuck in the queue sends nothing."""
    now = now or timezone.now()
    teams = (
        Team.objects.filter(
            Q(pk__in=AlarmRule.objects.filter(is_active=True).values("team_id"))
            | Q(pk__in=Alarm.objects.filter(cleared_at=None).values("team_id"))
        )
        .select_related("calendar")
        .order_by("pk")
    )
    judged = []
    for team in teams:
        with transaction.atomic():
            alarm.evaluate(team, now=now)
        judged.append(team.pk)
    snapshots.publish_now(judged)  # the minute tick keeps wallboards honest
    return len(judged)


@periodic(minute="*")
def evaluate_alarms() -> None:
    evaluate_all_teams()
