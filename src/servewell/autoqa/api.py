"""Auto-QA through the API: a conversation's auto scores, agreement, and the links from
scorecard criteria to auto criteria."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.autoqa import links, queries
from servewell.autoqa.access import AUTOQA_MANAGE, AUTOQA_VIEW
from servewell.autoqa.engine import CRITERIA
from servewell.autoqa.models import AutoScore
from servewell.core.ids import parse_id
from servewell.desk.models import Conversation
from servewell.people.access import scope_to_teams
from servewell.quality.access import QUALITY_MANAGE


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


class LinkOut(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion.pk")
    title = serializers.CharField(source="criterion.title")
    scale = serializers.CharField(source="criterion.scale")
    scorecard = serializers.CharField()
    version = serializers.IntegerField()
    state = serializers.CharField(help_text="draft or published")
    auto = serializers.ChoiceField(choices=CRITERIA, allow_null=True)


class LinkIn(serializers.Serializer):
    auto = serializers.ChoiceField(
        choices=CRITERIA, allow_null=True, allow_blank=True, help_text='null or "" unlinks'
    )


class LinkListView(APIView):
    """``GET api/autoqa/links/``: each criterion of a live scorecard's draft and latest
    published version, with the auto criterion that pre-fills it (null: none)."""

    access = QUALITY_MANAGE

    @extend_schema(responses={200: LinkOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(LinkOut(links.list_links(), many=True).data)


class LinkView(APIView):
    """``PUT api/autoqa/links/<criterion>/`` with ``{"auto": "greeting"}`` links a
    criterion, ``{"auto": null}`` unlinks it; audited as ``autoqa.link``."""

    access = QUALITY_MANAGE

    @extend_schema(
        request=LinkIn,
        responses={200: LinkOut},
        parameters=[OpenApiParameter("criterion", int, OpenApiParameter.PATH)],
    )
    def put(self, request: Request, criterion: str) -> Response:
        found = links.find_linkable(parse_id(criterion))
        if found is None:
            raise Http404("No such criterion on a live scorecard's draft or latest version.")
        data = LinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        links.set_link(request.user, found, auto=data.validated_data["auto"])
        row = next(r for r in links.list_links() if r["criterion"].pk == found.pk)
        return Response(LinkOut(row).data)
