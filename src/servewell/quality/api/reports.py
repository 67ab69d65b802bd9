"""Report tables through the API: the same tables as the screen and its CSV files."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.people.access import visible_teams
from servewell.quality import reports
from servewell.quality.access import QUALITY_MANAGE
from servewell.quality.models import Scorecard


class ReportParams(serializers.Serializer):
    quarter = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.IntegerField(min_value=1, required=False)
    scorecard = serializers.IntegerField(min_value=1, required=False)


class ReportView(APIView):
    """``GET api/quality/reports/<table>/`` with ``quarter`` (2026Q2; default: this
    quarter), ``team`` and, for the heatmap, ``scorecard``. Tables: people, teams,
    quarters, distribution, workload, badges, heatmap."""

    access = QUALITY_MANAGE

    @extend_schema(parameters=[ReportParams], responses={200: dict})
    def get(self, request: Request, name: str) -> Response:
        if name not in reports.TABLE_NAMES:
            raise Http404("No such report table.")
        params = ReportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        quarter = reports.parse_quarter(p["quarter"], now=timezone.now())
        team = p.get("team")
        if team is not None and not visible_teams(request.user).filter(pk=team).exists():
            raise serializers.ValidationError({"team": ["No such team."]})
        scorecard = Scorecard.objects.filter(is_archived=False).order_by("id").first()
        if "scorecard" in p:
            scorecard = Scorecard.objects.filter(pk=p["scorecard"]).first()
            if scorecard is None:
                raise serializers.ValidationError({"scorecard": ["No such scorecard."]})
        headers, rows = reports.table(
            name, request.user, quarter=quarter, team=team, scorecard=scorecard
        )
        return Response(
            {
                "table": name,
                "quarter": f"{quarter // 10}Q{quarter % 10}",
                "headers": headers,
                "rows": rows,
            }
        )
