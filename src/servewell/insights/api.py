"""REST API: the dashboard's figures, the list behind each, themes and the digest
preview. Filters are query parameters, checked as on the page (400 with the field)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.ids import parse_id
from servewell.core.pages import page_number
from servewell.insights import clusters, dashboard, digest, drills, filters, themes
from servewell.insights.access import INSIGHTS_VIEW

FILTER_PARAMS = [
    OpenApiParameter("period", str, enum=list(filters.PERIODS), description="Default last_week."),
    OpenApiParameter("start", str, description="Custom period: first day (YYYY-MM-DD)."),
    OpenApiParameter("end", str, description="Custom period: last day, at most 366 days on."),
    OpenApiParameter("team", int, description="One of the viewer's teams."),
    OpenApiParameter("person", int, description="A person of the viewer's teams."),
]
FRESH_PARAM = OpenApiParameter(
    "fresh", str, description="1: recompute the figures instead of reading the cached ones."
)


class TileOut(serializers.Serializer):
    key = serializers.CharField(source="figure.key")
    label = serializers.CharField(source="figure.label")
    definition = serializers.CharField(source="tooltip")
    unit = serializers.CharField(source="figure.unit")
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    direction = serializers.CharField()
    significant = serializers.BooleanField()
    fresh_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When this figure was computed (a rolled-up figure: its rollup's last "
        "refresh). Figures are kept for up to 2 minutes; fresh=1 recomputes them.",
    )
    drill_url = serializers.CharField()


class GroupOut(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    empty_reason = serializers.CharField()
    tiles = TileOut(many=True)


class DashboardOut(serializers.Serializer):
    start = serializers.DateField(source="filters.start_day")
    end = serializers.DateField(source="filters.end_day", help_text="The day after the last.")
    computed_at = serializers.DateTimeField(
        help_text="When this figure set was computed; kept for up to 2 minutes."
    )
    groups = GroupOut(many=True)


def _filters(request: Request) -> filters.Filters:
    return filters.parse(request.query_params.dict(), request.user, now=timezone.now())


class DashboardView(APIView):
    """Every figure the viewer may see, grouped as on the dashboard."""

    access = INSIGHTS_VIEW

    @extend_schema(parameters=[*FILTER_PARAMS, FRESH_PARAM], responses={200: DashboardOut})
    def get(self, request: Request) -> Response:
        chosen = _filters(request)
        fresh = request.query_params.get("fresh") == "1"
        snap = dashboard.cached_build(request.user, chosen, now=timezone.now(), fresh=fresh)
        groups = snap.value
        return Response(
            DashboardOut(
                {"filters": chosen, "groups": groups, "computed_at": snap.computed_at}
            ).data
        )


class DrillOut(serializers.Serializer):
    figure = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
    capped = serializers.BooleanField(
        help_text=f"True when there are more rows than the {drills.LIMIT} listed."
    )


class DrillView(APIView):
    """The list behind one figure (``figure`` = its key), with the same filters."""

    access = INSIGHTS_VIEW

    @extend_schema(
        parameters=[OpenApiParameter("figure", str, required=True), *FILTER_PARAMS],
        responses={200: DrillOut},
    )
    def get(self, request: Request) -> Response:
        chosen = _filters(request)
        key = request.query_params.get("figure", "")
        found = drills.DRILLS.get(key)
        visible = {f.key for f in dashboard.visible_figures(request.user)}
        if found is None or key not in visible:
            raise Http404("No such figure.")
        listed, capped = drills.first_rows(found, chosen.query())
        rows = [[drills.text_of(c) for c in row] for row in listed]
        data = {
            "figure": key,
            "headers": found.headers,
            "rows": rows,
            "capped": capped,
        }
        return Response(DrillOut(data).data)


class ThemeOut(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()
    previous = serializers.IntegerField()
    growth = serializers.FloatField(allow_null=True, help_text="% against the period before.")
    url = serializers.CharField(help_text="The desk's inbox filtered to the theme.")


class ThemesView(APIView):
    """The period's top themes in customers' words (tags), with growth."""

    access = INSIGHTS_VIEW

    @extend_schema(parameters=FILTER_PARAMS, responses={200: ThemeOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(ThemeOut(themes.top_themes(_filters(request)), many=True).data)


class ClusterOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(help_text="Its most typical phrases, joined.")
    phrases = serializers.ListField(child=serializers.CharField())
    example = serializers.CharField(help_text="The request nearest the cluster's centre.")
    count = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="Similar requests in the period before.")
    growth = serializers.FloatField(allow_null=True, help_text="% against the period before.")
    url = serializers.CharField(help_text="The page listing its conversations.")


class ClustersOut(serializers.Serializer):
    state = serializers.ChoiceField(
        ["ready", "pending", "unavailable"],
        help_text="pending: being computed, ask again shortly; unavailable: no embeddings extra.",
    )
    note = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    sampled = serializers.IntegerField(help_text="Requests clustered (at most 2,000).")
    total = serializers.IntegerField(help_text="Requests in the period.")
    clusters = ClusterOut(many=True)


class ClustersView(APIView):
    """Themes from clusters of similar first customer messages (embeddings extra)."""

    access = INSIGHTS_VIEW

    @extend_schema(parameters=FILTER_PARAMS, responses={200: ClustersOut})
    def get(self, request: Request) -> Response:
        chosen = _filters(request)
        found = clusters.for_filters(chosen, now=timezone.now())
        run = found.run
        rows = [
            {
                "pk": c.pk,
                "name": c.name,
                "phrases": c.phrases,
                "example": c.example,
                "count": c.count,
                "previous": c.previous,
                "growth": clusters.growth(c, run),
                "url": clusters.cluster_url(c, chosen),
            }
            for c in found.clusters
        ]
        data = {
            "state": found.state,
            "note": found.note,
            "computed_at": run.computed_at if run else None,
            "sampled": run.sampled if run else 0,
            "total": run.total if run else 0,
            "clusters": rows,
        }
        return Response(ClustersOut(data).data)


class ClusterConversationOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    subject = serializers.CharField()
    team = serializers.CharField(source="team.name")
    assignee = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    status = serializers.CharField()


class ClusterDetailOut(serializers.Serializer):
    cluster = ClusterOut()
    count = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    conversations = ClusterConversationOut(many=True)


class ClusterView(APIView):
    """One cluster's conversations (``cluster`` = its id; 100 a page, ``page``), for the
    filters it was made for: another scope or period finds no such cluster (404)."""

    access = INSIGHTS_VIEW
    PER_PAGE = 100

    @extend_schema(
        parameters=[
            OpenApiParameter("cluster", int, required=True),
            *FILTER_PARAMS,
            OpenApiParameter("page", int),
        ],
        responses={200: ClusterDetailOut},
    )
    def get(self, request: Request) -> Response:
        chosen = _filters(request)
        cluster_id = parse_id(request.query_params.get("cluster"))
        found = clusters.cluster_for(chosen, cluster_id) if cluster_id else None
        if found is None:
            raise Http404("No such cluster for these filters.")
        rows = clusters.conversations_of(found, chosen.query())
        page = page_number(request.query_params.get("page"))
        start = (page - 1) * self.PER_PAGE
        listed = list(rows[start : start + self.PER_PAGE + 1])
        data = {
            "cluster": {
                "pk": found.pk,
                "name": found.name,
                "phrases": found.phrases,
                "example": found.example,
                "count": found.count,
                "previous": found.previous,
                "growth": clusters.growth(found, found.run),
                "url": clusters.cluster_url(found, chosen),
            },
            "count": len(found.conversation_ids),
            "next_page": page + 1 if len(listed) > self.PER_PAGE else None,
            "conversations": listed[: self.PER_PAGE],
        }
        return Response(ClusterDetailOut(data).data)


class DigestOut(serializers.Serializer):
    subject = serializers.CharField()
    text = serializers.CharField()
    html = serializers.CharField()
    opted_out = serializers.BooleanField()


class DigestView(APIView):
    """A preview of the viewer's weekly digest, as it would be sent now."""

    access = INSIGHTS_VIEW

    @extend_schema(responses={200: DigestOut})
    def get(self, request: Request) -> Response:
        built = digest.build(request.user, now=timezone.now())
        text, html = digest.render(built)
        data = {
            "subject": built.subject,
            "text": text,
            "html": html,
            "opted_out": digest.is_opted_out(request.user),
        }
        return Response(DigestOut(data).data)
