"""The spend-and-outcomes report and the CSV of each of its tables."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from servewell.core import charts
from servewell.core.access import requires
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id
from servewell.core.pages import paginate
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


def drill_url(p: dict, row: reports.Row, base: str | None = None) -> str:
    """The list of the grants a row (and its bar) counts: the report's period and team,
    narrowed to the row's team, person, action or month and currency."""
    query = {"months": p["months"], **({"team": p["team"]} if p["team"] else {}), **row.filters}
    return f"{base or reverse('goodwill-report-grants')}?{urlencode(query)}"


def _table_rows(rows: list[reports.Row], urls: list[str]) -> SafeString:
    """A table's rows as one piece of HTML, made here: a few hundred rows of nine cells
    cost several times more through the template engine than the report's queries.
    Every value is escaped (``html.escape``, the standard library's, is the cheap one)."""
    out = []
    for row, url in zip(rows, urls, strict=True):
        cells = "".join(f"<td>{escape(c)}</td>" for c in row.shown())
        out.append(f'<tr><td><a href="{escape(url)}">{escape(row.label)}</a></td>{cells}</tr>')
    return mark_safe("".join(out))  # noqa: S308 - built of escaped values only


def _chart(dim: str, rows: list[reports.Row], urls: list[str]) -> str:
    points = [
        charts.Point(f"{r.label} {r.currency}", float(r.spend), note=f"budget {r.budget}", url=u)
        for r, u in zip(rows[:12], urls, strict=False)
    ]
    return charts.bar_chart(f"Goodwill spend by {dim}", points)


@requires(GOODWILL_REPORTS)
def report(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    data = _report(request, p)
    base = reverse("goodwill-report-grants")
    tables = []
    for dim, rows in data.tables.items():
        urls = [drill_url(p, r, base) for r in rows]
        tables.append((dim, rows, _table_rows(rows, urls), _chart(dim, rows, urls)))
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


def _month(raw: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return None


@requires(GOODWILL_REPORTS)
def report_grants(request: HttpRequest) -> HttpResponse:
    """The drill-down of the report: the grants behind a bar or a row. Filters it cannot
    read are left out (the list is then wider, never an error page)."""
    p = _params(request)
    get = request.GET
    currency = (get.get("currency") or "").strip().upper()
    f = reports.GrantFilter(
        months=p["months"],
        team_id=p["team"],
        person_id=parse_id(get.get("person")),
        action_id=parse_id(get.get("action")),
        month=_month(get.get("month")),
        currency=currency if len(currency) == 3 and currency.isalpha() else "",
        effective_only=get.get("all") != "1",
    )
    page = paginate(request, reports.list_grants(request.user, f, now=timezone.now()), 50)
    keep = {k: v for k, v in get.items() if k != "page"}
    return render(
        request,
        "goodwill/report_grants.html",
        {
            "page": page,
            "f": f,
            "query": urlencode(keep),
            "back": urlencode({"months": f.months, **({"team": f.team_id} if f.team_id else {})}),
        },
    )
