"""The spend-and-outcomes report and the CSV of each of its tables."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from servewell.core import charts
from servewell.core.access import requires
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id
from servewell.goodwill import reports
from servewell.goodwill.access import GOODWILL_REPORTS
from servewell.people.access import visible_teams

HEADERS = [
    "Name",
    "Currency",
    "Spend",
    "Budget",
    "Used %",
    "Grants",
    "Requests",
    "Decided without approval %",
    "Came back within 90 days %",
    "CSAT",
]


def _params(request: HttpRequest) -> dict:
    months = parse_id(request.GET.get("months")) or 3
    months = min(months, reports.MAX_MONTHS)
    teams = visible_teams(request.user)
    team = parse_id(request.GET.get("team"))
    team = team if team is not None and teams.filter(pk=team).exists() else None
    return {"months": months, "team": team, "teams": teams}


def _report(request: HttpRequest, p: dict) -> reports.Report:
    return reports.spend_report(
        request.user, now=timezone.now(), months=p["months"], team_id=p["team"]
    )


def _chart(dim: str, rows: list[reports.Row]) -> str:
    points = [
        charts.Point(f"{r.label} {r.currency}", float(r.spend), note=f"budget {r.budget}")
        for r in rows[:12]
    ]
    return charts.bar_chart(f"Goodwill spend by {dim}", points)


@requires(GOODWILL_REPORTS)
def report(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    data = _report(request, p)
    tables = [(dim, rows, _chart(dim, rows)) for dim, rows in data.tables.items()]
    query = f"months={p['months']}" + (f"&team={p['team']}" if p["team"] else "")
    return render(
        request,
        "goodwill/reports.html",
        {**p, "report": data, "tables": tables, "query": query, "month_choices": (1, 3, 6, 12, 24)},
    )


@requires(GOODWILL_REPORTS)
def report_csv(request: HttpRequest, dim: str) -> HttpResponse:
    if dim not in reports.DIMENSIONS:
        raise Http404("No such table.")
    rows = _report(request, _params(request)).tables[dim]
    return csv_response(
        f"goodwill-{dim}",
        HEADERS,
        (
            [
                r.label,
                r.currency,
                r.spend,
                r.budget,
                r.used,
                r.grants,
                r.requests,
                r.share_without_approval,
                r.share_came_back,
                r.csat,
            ]
            for r in rows
        ),
    )
