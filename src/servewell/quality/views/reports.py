"""The quality reports page and the CSV of each of its tables."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id
from servewell.people.access import visible_teams
from servewell.quality import reports
from servewell.quality.access import QUALITY_MANAGE
from servewell.quality.models import Scorecard
from servewell.quality.rollup import quarter_label

BAR_HEIGHT = 160  # px of the tallest bar in the distribution chart
BAR_WIDTH = 40


def _params(request: HttpRequest) -> dict:
    """Quarter, team and scorecard from the query string; bad values fall back."""
    now = timezone.now()
    try:
        quarter = reports.parse_quarter(request.GET.get("quarter"), now=now)
    except DomainError:
        quarter = reports.parse_quarter("", now=now)
    teams = visible_teams(request.user)
    team = parse_id(request.GET.get("team"))
    team = team if team is not None and teams.filter(pk=team).exists() else None
    cards = Scorecard.objects.filter(is_archived=False)
    card = parse_id(request.GET.get("scorecard"))
    scorecard = cards.filter(pk=card).first() if card is not None else None
    return {
        "quarter": quarter,
        "team": team,
        "scorecard": scorecard or cards.first(),
        "teams": teams,
        "scorecards": cards,
    }


def _bars(rows: list[dict]) -> list[dict]:
    """Bar geometry for the server-rendered SVG chart (attributes, not styles)."""
    top = max((r["reviews"] for r in rows), default=0) or 1
    bars = []
    for i, r in enumerate(rows):
        height = round(BAR_HEIGHT * r["reviews"] / top)
        bars.append(
            {**r, "x": i * (BAR_WIDTH + 8) + 4, "y": BAR_HEIGHT - height + 20, "height": height}
        )
    return bars


@requires(QUALITY_MANAGE)
def report(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    user, args = request.user, {"quarter": p["quarter"], "team": p["team"]}
    distribution = reports.distribution(user, **args)
    heatmap = reports.heatmap(user, scorecard=p["scorecard"], **args)
    return render(
        request,
        "quality/reports.html",
        {
            **p,
            "quarter_label": quarter_label(p["quarter"]),
            "quarter_code": f"{p['quarter'] // 10}Q{p['quarter'] % 10}",
            "quarter_choices": [
                (f"{q // 10}Q{q % 10}", quarter_label(q))
                for q in reversed(reports.quarters_back(p["quarter"], reports.TREND_QUARTERS))
            ],
            "overall": reports.overall(user, **args),
            "people": reports.iqs_by_person(user, **args),
            "by_team": reports.iqs_by_team(user, **args),
            "by_quarter": reports.iqs_by_quarter(user, **args),
            "badges": reports.badges(user, **args),
            "badge_min": reports.BADGE_MIN_REVIEWS,
            "bars": _bars(distribution),
            "chart_width": len(distribution) * (BAR_WIDTH + 8) + 8,
            "chart_height": BAR_HEIGHT + 40,
            "bar_width": BAR_WIDTH,
            "heatmap": heatmap,
            "heat_rows": heatmap.rows(),
            "workload": reports.workload(user, **args),
            "query": request.GET.urlencode(),
        },
    )


@requires(QUALITY_MANAGE)
def report_csv(request: HttpRequest, name: str) -> HttpResponse:
    if name not in reports.TABLE_NAMES:
        raise Http404("No such report table.")
    p = _params(request)
    headers, rows = reports.table(
        name, request.user, quarter=p["quarter"], team=p["team"], scorecard=p["scorecard"]
    )
    return csv_response(f"quality-{name}-{p['quarter']}", headers, rows)
