"""Auto-QA through the API: a conversation's current auto score, and agreement."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.autoqa import queries
from servewell.autoqa.access import AUTOQA_MANAGE, AUTOQA_VIEW
from servewell.autoqa.models import AutoScore
from servewell.desk.models import Conversation
from servewell.people.access import scope_to_teams


class AutoScoreOut(serializers.ModelSerializer):
    class Meta:
        model = AutoScore
        fields = [
            "conversation",
            "scorer",
            "version",
            "is_current",
            "language",
            "abstained",
            "score",
            "rude",
            "sentiment",
            "response_time_met",
            "verdicts",
            "scored_at",
        ]


class AgreementOut(serializers.Serializer):
    pairs = serializers.IntegerField()
    kappa = serializers.FloatField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    weighted = serializers.BooleanField()


class AgreementRowOut(serializers.Serializer):
    scorecard = serializers.CharField()
    criterion = serializers.CharField()
    auto = AgreementOut()
    human = AgreementOut(help_text="Reviewers against each other in calibration: the ceiling.")


class ConversationScoreView(APIView):
    """``GET api/autoqa/conversations/<id>/``: every stored score of a conversation one
    can see, the current one first (older scorer versions stay for comparison)."""

    access = AUTOQA_VIEW

    @extend_schema(responses={200: AutoScoreOut(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        if not scope_to_teams(Conversation.objects.filter(pk=pk), request.user).exists():
            raise Http404("No such conversation.")
        rows = AutoScore.objects.filter(conversation_id=pk).order_by("-is_current", "-scored_at")
        return Response(AutoScoreOut(rows, many=True).data)


class AgreementView(APIView):
    """``GET api/autoqa/agreement/``: per linked criterion, Cohen's kappa (quadratic-
    weighted on 1-5), percent agreement, a 95 % bootstrap interval and the pairs."""

    access = AUTOQA_MANAGE

    @extend_schema(responses={200: AgreementRowOut(many=True)})
    def get(self, request: Request) -> Response:
        rows = [
            {**r, "auto": r["auto"].__dict__, "human": r["human"].__dict__}
            for r in queries.agreement_table()
        ]
        return Response(AgreementRowOut(rows, many=True).data)
