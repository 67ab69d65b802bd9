"""Figures offered to the leader dashboard (``contract.Figure``)."""

from __future__ import annotations

from datetime import date

from servewell.core.contract import Figure, FigureQuery
from servewell.experience import pulse, reports
from servewell.experience.access import EXPERIENCE_REPORTS
from servewell.experience.models import Kudos
from servewell.experience.rollup import month_of


def _months(q: FigureQuery) -> tuple[date, date]:
    return month_of(q.start), month_of(q.end)


def _total(q: FigureQuery) -> reports.Row:
    start, end = _months(q)
    rows = reports.survey_report(None, by="month", start=start, end=end, person_id=q.person_id)
    if q.team_ids is not None:
        rows = []
        for team_id in q.team_ids:
            rows += reports.survey_report(
                None, by="month", start=start, end=end, team_id=team_id, person_id=q.person_id
            )
    return reports.total(rows)


def csat(q: FigureQuery) -> float | None:
    return _total(q).csat


def response_rate(q: FigureQuery) -> float | None:
    return _total(q).response_rate


def nps(q: FigureQuery) -> float | None:
    return _total(q).nps


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
        "Share of customer ratings of 4 or 5 (of 5), by month of the answer.",
        "%",
        csat,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
    ),
    Figure(
        "experience.response_rate",
        "Survey response rate",
        "Answers per survey sent.",
        "%",
        response_rate,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
    ),
    Figure(
        "experience.nps",
        "NPS",
        "Promoters (9-10) minus detractors (0-6), in % of NPS answers.",
        "",
        nps,
        EXPERIENCE_REPORTS,
        drill="experience-reports",
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
