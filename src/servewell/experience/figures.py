"""Figures offered to the leader dashboard (``contract.Figure``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import TruncDate

from servewell.core.contract import Figure, FigureQuery, RollupRow
from servewell.experience import pulse
from servewell.experience.access import EXPERIENCE_REPORTS
from servewell.experience.models import Kudos, Survey, SurveyKind, SurveyResponse

# CSAT, NPS and the response rate are read by the day an answer came (and a survey went
# out), UTC, as the monthly report counts them by month: a week on the dashboard is that
# week's answers, and twelve whole months add up to the report's figures to the unit.


def _answers(q: FigureQuery, kind: str) -> QuerySet:
    qs = SurveyResponse.objects.filter(kind=kind, responded_at__gte=q.start, responded_at__lt=q.end)
    if q.team_ids is not None:
        qs = qs.filter(team_id__in=list(q.team_ids))
    return qs if q.person_id is None else qs.filter(handler_id=q.person_id)


def _sent(q: FigureQuery) -> QuerySet:
    qs = Survey.objects.filter(kind=SurveyKind.CSAT, sent_at__gte=q.start, sent_at__lt=q.end)
    if q.team_ids is not None:
        qs = qs.filter(team_id__in=list(q.team_ids))
    return qs if q.person_id is None else qs.filter(handler_id=q.person_id)


def csat(q: FigureQuery) -> float | None:
    counts = _answers(q, SurveyKind.CSAT).aggregate(
        n=Count("id"), good=Count("id", filter=Q(score__gte=4))
    )
    return counts["good"] / counts["n"] if counts["n"] else None


def response_rate(q: FigureQuery) -> float | None:
    sent = _sent(q).count()
    return _answers(q, SurveyKind.CSAT).count() / sent if sent else None


def nps(q: FigureQuery) -> float | None:
    counts = _answers(q, SurveyKind.NPS).aggregate(
        n=Count("id"),
        promoters=Count("id", filter=Q(score__gte=9)),
        detractors=Count("id", filter=Q(score__lte=6)),
    )
    if not counts["n"]:
        return None
    return (counts["promoters"] - counts["detractors"]) / counts["n"]


def _bounds(start_day: date, end_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(start_day, time.min, tzinfo=UTC)
    return start, datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC)


def _daily_answers(kind: str, start_day: date, end_day: date, good: Q, bad: Q | None = None):
    start, end = _bounds(start_day, end_day)
    rows = (
        SurveyResponse.objects.filter(kind=kind, responded_at__gte=start, responded_at__lt=end)
        .annotate(day=TruncDate("responded_at", tzinfo=UTC))
        .values("day", "team_id", "handler_id")
        .annotate(
            n=Count("id"),
            good=Count("id", filter=good),
            bad=Count("id", filter=bad) if bad is not None else Value(0),
        )
        .order_by()
    )
    return rows


def csat_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    for r in _daily_answers(SurveyKind.CSAT, start_day, end_day, Q(score__gte=4)):
        yield RollupRow(r["day"], r["team_id"], r["handler_id"], r["good"], r["n"])


def nps_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    rows = _daily_answers(SurveyKind.NPS, start_day, end_day, Q(score__gte=9), Q(score__lte=6))
    for r in rows:
        yield RollupRow(r["day"], r["team_id"], r["handler_id"], r["good"] - r["bad"], r["n"])


def response_rate_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    """Answers on the day they came over surveys on the day they went out, as the report
    divides a month's answers by the month's sends."""
    start, end = _bounds(start_day, end_day)
    for r in _daily_answers(SurveyKind.CSAT, start_day, end_day, Q()):
        yield RollupRow(r["day"], r["team_id"], r["handler_id"], r["n"], 0)
    sent = (
        Survey.objects.filter(kind=SurveyKind.CSAT, sent_at__gte=start, sent_at__lt=end)
        .annotate(day=TruncDate("sent_at", tzinfo=UTC))
        .values("day", "team_id", "handler_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in sent:
        yield RollupRow(r["day"], r["team_id"], r["handler_id"], 0, r["n"])


def _pulse(q: FigureQuery) -> pulse.Result:
    if q.person_id is not None:
        return pulse.Result(label="")  # the pulse is anonymous: never per person
    ids = list(q.team_ids) if q.team_ids is not None else None
    return pulse.aggregate("", pulse.closed_rounds(ids, q.start, q.end))


def enps(q: FigureQuery) -> float | None:
    return _pulse(q).enps


def again_yes(q: FigureQuery) -> float | None:
    return _pulse(q).again_yes


def kudos_count(q: FigureQuery) -> float | None:
    qs = Kudos.objects.filter(created_at__gte=q.start, created_at__lt=q.end)
    if q.team_ids is not None:
        qs = qs.filter(team_id__in=list(q.team_ids))
    if q.person_id is not None:
        qs = qs.filter(receiver_id=q.person_id)
    return float(qs.count())


FIGURES = (
    Figure(
        "experience.csat",
        "CSAT",
        "Share of customer ratings of 4 or 5 (of 5), by the day of the answer.",
        "%",
        csat,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
        rollup=csat_rollup,
        scale=100,
    ),
    Figure(
        "experience.response_rate",
        "Survey response rate",
        "Answers per survey sent: the period's answers over the period's sends.",
        "%",
        response_rate,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
        rollup=response_rate_rollup,
        scale=100,
    ),
    Figure(
        "experience.nps",
        "NPS",
        "Promoters (9-10) minus detractors (0-6), in % of NPS answers.",
        "",
        nps,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
        rollup=nps_rollup,
        scale=100,
    ),
    Figure(
        "experience.enps",
        "Pulse eNPS",
        "Team pulse eNPS over closed rounds with at least "
        "k respondents (smaller rounds are left out).",
        "",
        enps,
        EXPERIENCE_REPORTS,
        drill="experience-pulse",
    ),
    Figure(
        "experience.again",
        "Would do it again",
        "Share of pulse answers 'yes' to 'Would "
        "you do this again?' (closed rounds with at least k respondents).",
        "%",
        again_yes,
        EXPERIENCE_REPORTS,
        drill="experience-pulse",
    ),
    Figure(
        "experience.kudos",
        "Kudos",
        "Kudos given in the period (colleagues and passed-on customer praise).",
        "",
        kudos_count,
        EXPERIENCE_REPORTS,
        drill="experience-wall",
    ),
)
