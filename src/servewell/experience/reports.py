"""The survey reports: CSAT (share of 4-5), response rate and NPS by team, person or
month, read from the monthly rollup (a few rows per team and month, however many
responses), and scoped to the teams the viewer sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from servewell.experience.models import MonthlyRollup, SurveyKind
from servewell.experience.queries import share
from servewell.people.access import visible_team_ids
from servewell.people.models import Team, User

GROUPS = ("team", "person", "month")


@dataclass
class Row:
    key: object
    label: str
    sent: int = 0
    responses: int = 0
    positive: int = 0
    nps_responses: int = 0
    promoters: int = 0
    detractors: int = 0

    @property
    def csat(self) -> float | None:
        return share(self.positive, self.responses)

    @property
    def response_rate(self) -> float | None:
        return share(self.responses, self.sent)

    @property
    def nps(self) -> float | None:
        if not self.nps_responses:
            return None
        return round(100.0 * (self.promoters - self.detractors) / self.nps_responses, 1)


def _scope(user, team_id: int | None, person_id: int | None, start: date, end: date):
    qs = MonthlyRollup.objects.filter(month__gte=start, month__lte=end)
    ids = visible_team_ids(user) if user is not None else None
    if ids is not None:
        qs = qs.filter(team_id__in=ids)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    return qs


def survey_report(
    user,
    *,
    by: str,
    start: date,
    end: date,
    team_id: int | None = None,
    person_id: int | None = None,
) -> list[Row]:
    """One row per team, person or month; ``user`` None reads every team (the bench,
    figures already scoped by their caller)."""
    column = {"team": "team_id", "person": "person_id", "month": "month"}[by]
    rows = (
        _scope(user, team_id, person_id, start, end)
        .values(column, "kind")
        .annotate(sent=Sum("sent"), n=Sum("responses"), good=Sum("positive"), bad=Sum("negative"))
        .order_by(column, "kind")
    )
    out: dict[object, Row] = {}
    for r in rows:
        row = out.setdefault(r[column], Row(r[column], ""))
        if r["kind"] == SurveyKind.CSAT:
            row.sent += r["sent"] or 0
            row.responses += r["n"] or 0
            row.positive += r["good"] or 0
        else:
            row.nps_responses += r["n"] or 0
            row.promoters += r["good"] or 0
            row.detractors += r["bad"] or 0
    _label(by, out)
    return sorted(out.values(), key=lambda r: r.label if by != "month" else r.key)


def _label(by: str, rows: dict[object, Row]) -> None:
    if by == "team":
        names = dict(Team.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
        for key, row in rows.items():
            row.label = names.get(key, f"Team {key}")
    elif by == "person":
        people = {u.pk: str(u) for u in User.objects.filter(pk__in=list(rows))}
        for key, row in rows.items():
            row.label = people.get(key, "Nobody (unassigned)")
    else:
        for key, row in rows.items():
            row.label = key.strftime("%b %Y")


def total(rows: list[Row]) -> Row:
    out = Row("total", "All")
    for r in rows:
        for name in ("sent", "responses", "positive", "nps_responses", "promoters", "detractors"):
            setattr(out, name, getattr(out, name) + getattr(r, name))
    return out


HEADERS = ["Group", "Sent", "Responses", "Response rate %", "CSAT % (4-5)", "NPS answers", "NPS"]


def csv_rows(rows: list[Row]) -> list[list]:
    return [
        [r.label, r.sent, r.responses, r.response_rate, r.csat, r.nps_responses, r.nps]
        for r in rows
    ]
