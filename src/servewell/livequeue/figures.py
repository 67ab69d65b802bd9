"""The live queue's figures for the leader dashboard (offered through the app contract).

Queue figures are the queue metrics page's own (``metrics.period_metrics``, team by
team, with each team's settings) and the alarm log's (``queries.alarm_summary``). They
are team figures: calls are answered by a queue, not a person, so a person filter gives
no value. Rollup days are UTC days of ``joined_at`` / ``raised_at``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from servewell.core.contract import Figure, FigureQuery, RollupRow
from servewell.livequeue import metrics
from servewell.livequeue.access import QUEUE_VIEW
from servewell.livequeue.models import Alarm, Call, QueueSettings, ResponderRole
from servewell.livequeue.queries import alarm_summary
from servewell.people.models import Team

#: The responses that show leaders jumping in.
LEADER_ROLES = (ResponderRole.LEAD, ResponderRole.MANAGER)


def _team_ids(query: FigureQuery) -> list[int]:
    if query.team_ids is not None:
        return list(query.team_ids)
    return list(Team.objects.values_list("pk", flat=True))


def _per_team(
    team_ids: list[int], start: datetime, end: datetime
) -> list[tuple[int, dict[str, Any]]]:
    settings = {s.team_id: s for s in QueueSettings.objects.filter(team_id__in=team_ids)}
    active = set(
        Call.objects.filter(team_id__in=team_ids, joined_at__gte=start, joined_at__lt=end)
        .values_list("team_id", flat=True)
        .distinct()
    )
    return [
        (t, metrics.period_metrics(t, start, end, settings.get(t) or QueueSettings(team_id=t)))
        for t in sorted(active)
    ]


def _parts(m: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Each figure's numerator and denominator in one team's metrics."""
    offered, answered = m["offered"], m["answered"]
    return {
        "queue.service_level": (round((m["service_level"] or 0) * offered), offered),
        "queue.asa": ((m["asa_s"] or 0) * answered, answered if m["asa_s"] is not None else 0),
        "queue.abandonment": (m["abandoned"], offered),
    }


def _ratio(key: str, query: FigureQuery) -> float | None:
    if query.person_id:
        return None
    num = den = 0.0
    for _team, m in _per_team(_team_ids(query), query.start, query.end):
        n, d = _parts(m)[key]
        num, den = num + n, den + d
    return num / den if den else None


def service_level(query: FigureQuery) -> float | None:
    return _ratio("queue.service_level", query)


def asa(query: FigureQuery) -> float | None:
    return _ratio("queue.asa", query)


def abandonment(query: FigureQuery) -> float | None:
    return _ratio("queue.abandonment", query)


def alarms_in(query: FigureQuery) -> QuerySet[Alarm]:
    qs = Alarm.objects.filter(raised_at__gte=query.start, raised_at__lt=query.end)
    return qs if query.team_ids is None else qs.filter(team_id__in=query.team_ids)


def alarms(query: FigureQuery) -> float | None:
    return None if query.person_id else float(alarm_summary(alarms_in(query))["count"])


def leaders_share(query: FigureQuery) -> float | None:
    if query.person_id:
        return None
    summary = alarm_summary(alarms_in(query))
    leaders = sum(summary["responses_by_role"][r.value] for r in LEADER_ROLES)
    return leaders / summary["responses"] if summary["responses"] else None


def _days(start_day: date, end_day: date) -> Iterator[tuple[date, datetime, datetime]]:
    day = start_day
    while day <= end_day:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        yield day, start, start + timedelta(days=1)
        day += timedelta(days=1)


def _queue_rollup(key: str):
    def rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
        teams = list(Team.objects.values_list("pk", flat=True))
        for day, start, end in _days(start_day, end_day):
            for team, m in _per_team(teams, start, end):
                num, den = _parts(m)[key]
                if den:
                    yield RollupRow(day, team, None, float(num), float(den))

    return rollup


def _alarm_rollup(count_only: bool):
    def rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
        for day, start, end in _days(start_day, end_day):
            day_alarms = Alarm.objects.filter(raised_at__gte=start, raised_at__lt=end)
            for team in day_alarms.values_list("team_id", flat=True).distinct():
                summary = alarm_summary(day_alarms.filter(team_id=team))
                if count_only:
                    yield RollupRow(day, team, None, float(summary["count"]))
                elif summary["responses"]:
                    leaders = sum(summary["responses_by_role"][r.value] for r in LEADER_ROLES)
                    yield RollupRow(day, team, None, float(leaders), float(summary["responses"]))

    return rollup


DRILL = "insights-drill"
FIGURES = (
    Figure(
        "queue.service_level",
        "Service level",
        "Calls answered within each team's service-level seconds ÷ calls offered (answered "
        "+ abandoned), short abandons treated by the team's rule — as on the queue metrics "
        "page. A team figure.",
        "%",
        compute=service_level,
        perm=QUEUE_VIEW,
        drill=DRILL,
        rollup=_queue_rollup("queue.service_level"),
        scale=100,
    ),
    Figure(
        "queue.asa",
        "Average speed of answer",
        "Mean wait of the answered calls that joined in the period. A team figure.",
        "s",
        compute=asa,
        perm=QUEUE_VIEW,
        drill=DRILL,
        higher_is_better=False,
        rollup=_queue_rollup("queue.asa"),
    ),
    Figure(
        "queue.abandonment",
        "Abandonment",
        "Callers who hung up before an answer ÷ calls offered (short abandons by the "
        "team's rule). A team figure.",
        "%",
        compute=abandonment,
        perm=QUEUE_VIEW,
        drill=DRILL,
        higher_is_better=False,
        rollup=_queue_rollup("queue.abandonment"),
        scale=100,
    ),
    Figure(
        "queue.alarms",
        "All-hands alarms",
        "Alarms raised in the period (the alarm log's count).",
        "count",
        compute=alarms,
        perm=QUEUE_VIEW,
        drill=DRILL,
        higher_is_better=False,
        rollup=_alarm_rollup(True),
    ),
    Figure(
        "queue.leaders_share",
        "Leads' and managers' share of alarm responses",
        "Of the \"I'm on it\" responses to the period's alarms, the share given by team "
        "leads and managers (their role when they answered).",
        "%",
        compute=leaders_share,
        perm=QUEUE_VIEW,
        drill=DRILL,
        rollup=_alarm_rollup(False),
        scale=100,
    ),
)
