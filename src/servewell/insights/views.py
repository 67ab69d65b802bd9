"""The dashboard, the list behind each figure, themes, CSV exports and the digest
preview. Bad filters get a 400 page that says what is wrong."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id
from servewell.core.pages import paginate
from servewell.insights import clusters, dashboard, digest, drills, filters, snapshots, themes
from servewell.insights.access import INSIGHTS_VIEW
from servewell.people.access import visible_people, visible_teams


def _filters(request: HttpRequest) -> filters.Filters:
    return filters.parse(request.GET.dict(), request.user, now=timezone.now())


def _bad(request: HttpRequest, error: filters.FilterError) -> HttpResponse:
    return render(request, "insights/bad_filter.html", {"error": error}, status=400)


def _choices(request: HttpRequest) -> dict:
    return {
        "teams": visible_teams(request.user).order_by("name"),
        # only what an option shows: its id and the columns str(person) reads
        "people": visible_people(request.user)
        .only("id", *drills.NAME)
        .order_by("display_name", "username")[:500],
        "periods": filters.PERIODS.items(),
    }


@requires(INSIGHTS_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    try:
        chosen = _filters(request)
    except filters.FilterError as error:
        return _bad(request, error)
    now, fresh = timezone.now(), request.GET.get("fresh") == "1"
    figures = dashboard.cached_build(request.user, chosen, now=now, fresh=fresh)
    if request.GET.get("format") == "csv":
        return _tiles_csv(figures.value)
    context = {
        "filters": chosen,
        "groups": figures.value,
        "snapshot": figures,
        "ttl_minutes": snapshots.TTL_SECONDS // 60,
        "themes": themes.cached_top_themes(chosen, now=now, fresh=fresh),
        "clusters": _clusters(chosen),
        "query": urlencode(chosen.as_params()),
        **_choices(request),
    }
    return render(request, "insights/dashboard.html", context)


def _clusters(chosen: filters.Filters) -> dict:
    found = clusters.for_filters(chosen, now=timezone.now())
    rows = [
        (c, clusters.growth(c, found.run), clusters.cluster_url(c, chosen)) for c in found.clusters
    ]
    return {"state": found.state, "note": found.note, "rows": rows}


def _tiles_csv(groups: list[dashboard.Group]) -> HttpResponse:
    rows = [
        [
            g.title,
            t.figure.key,
            t.figure.label,
            t.value,
            t.previous,
            t.figure.unit,
            "yes" if t.significant else "no",
            t.freshness,
        ]
        for g in groups
        for t in g.tiles
    ]
    headers = ["group", "key", "figure", "value", "previous", "unit", "significant", "freshness"]
    return csv_response("insights-dashboard", headers, rows)


@requires(INSIGHTS_VIEW)
def themes_csv(request: HttpRequest) -> HttpResponse:
    try:
        chosen = _filters(request)
    except filters.FilterError as error:
        return _bad(request, error)
    rows = [[t.name, t.count, t.previous, t.growth] for t in themes.top_themes(chosen, 100)]
    return csv_response(
        "insights-themes", ["theme", "conversations", "previous", "growth_pct"], rows
    )


@requires(INSIGHTS_VIEW)
def clusters_csv(request: HttpRequest) -> HttpResponse:
    """The dashboard's clusters of similar requests as stored (none while not computed)."""
    try:
        chosen = _filters(request)
    except filters.FilterError as error:
        return _bad(request, error)
    found = clusters.for_filters(chosen, now=timezone.now())
    rows = [
        [c.name, c.example, c.count, c.previous, clusters.growth(c, found.run)]
        for c in found.clusters
    ]
    headers = ["theme", "example", "conversations", "previous", "growth_pct"]
    return csv_response("insights-clusters", headers, rows)


@requires(INSIGHTS_VIEW)
def drill(request: HttpRequest) -> HttpResponse:
    try:
        chosen = _filters(request)
    except filters.FilterError as error:
        return _bad(request, error)
    key = request.GET.get("figure", "")
    found = drills.DRILLS.get(key)
    figure = next((f for f in dashboard.visible_figures(request.user) if f.key == key), None)
    if found is None or figure is None:
        raise Http404("No such figure.")
    if request.GET.get("format") == "csv":
        body = ([drills.text_of(c) for c in row] for row in found.rows(chosen.query(), None))
        return csv_response(f"insights-{key}", found.headers, body)
    listed, capped = drills.first_rows(found, chosen.query())
    context = {
        "filters": chosen,
        "figure": figure,
        "drill": found,
        "rows": listed,
        "capped": capped,
        "query": urlencode({"figure": key, **chosen.as_params()}),
        **_choices(request),
    }
    return render(request, "insights/drill.html", context)


@requires(INSIGHTS_VIEW)
def digest_preview(request: HttpRequest) -> HttpResponse:
    built = digest.build(request.user, now=timezone.now())
    text, html = digest.render(built)
    if request.GET.get("format") == "text":
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return render(
        request,
        "insights/digest_preview.html",
        {"digest": built, "text": text, "opted_out": digest.is_opted_out(request.user)},
    )


@requires(INSIGHTS_VIEW)
@require_POST
def digest_subscription(request: HttpRequest) -> HttpResponse:
    if request.POST.get("subscribe") == "no":
        digest.opt_out(request.user, now=timezone.now())
    else:
        digest.opt_in(request.user)
    return redirect("insights-digest")


CLUSTER_HEADERS = ["Conversation", "Team", "Assignee", "Created", "Status"]


@requires(INSIGHTS_VIEW)
def cluster(request: HttpRequest, pk: str) -> HttpResponse:
    """The conversations of one cluster of similar requests, for the same filters."""
    try:
        chosen = _filters(request)
    except filters.FilterError as error:
        return _bad(request, error)
    cluster_id = parse_id(pk)
    found = clusters.cluster_for(chosen, cluster_id) if cluster_id else None
    if found is None:
        raise Http404("No such cluster for these filters.")
    rows = clusters.conversations_of(found, chosen.query())
    if request.GET.get("format") == "csv":
        body = (
            [
                f"#{c.pk} {c.subject}",
                c.team.name,
                str(c.assignee or "unassigned"),
                c.created_at.isoformat(),
                c.get_status_display(),
            ]
            for c in rows.iterator(chunk_size=500)
        )
        return csv_response(f"insights-cluster-{found.pk}", CLUSTER_HEADERS, body)
    context = {
        "filters": chosen,
        "cluster": found,
        "page": paginate(request, rows, 50),
        "growth": clusters.growth(found, found.run),
        "query": urlencode(chosen.as_params()),
        **_choices(request),
    }
    return render(request, "insights/cluster.html", context)
