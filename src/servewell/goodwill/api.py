"""Goodwill through the API (mounted at ``api/goodwill/``).

Every create takes an ``Idempotency-Key`` header: the same key with the same body answers
the first result again (never a second grant); with another body it is a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.api import validated
from servewell.desk.access import conversations_for
from servewell.goodwill import actions, decisions, grants, idempotency, queries, reports, stories
from servewell.goodwill.access import (
    GOODWILL_ADMIN,
    GOODWILL_DECIDE,
    GOODWILL_GRANT,
    GOODWILL_REPORTS,
    STORIES,
    STORIES_FEATURE,
)
from servewell.goodwill.models import Action, Comment, Grant, Kind, Limit, Reaction, Story

KEY_PARAM = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "Any unique string per create; a retry with the same key and body gets the first answer."
    ),
)
MONEY = {"max_digits": 12, "decimal_places": 2}


def create_once(request: Request, create: Callable[[], tuple[int, Any]]) -> Response:
    key = idempotency.clean_key(request.headers.get(idempotency.HEADER))
    body = request.data if isinstance(request.data, dict) else {"_": request.data}
    print_ = idempotency.fingerprint(request.path, body)
    status, data = idempotency.once(request.user, key, print_, create, now=timezone.now())
    return Response(data, status=status)


class ActionIO(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    # Declared with their defaults: left out, they still reach ``define_action``.
    has_amount = serializers.BooleanField(default=True)
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = Action
        fields = ["id", "name", "kind", "currency", "has_amount", "is_active"]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"validators": []}}


class LimitIn(serializers.Serializer):
    action = serializers.IntegerField(min_value=1, max_value=2**62)
    role = serializers.ChoiceField(choices=[r.value for r in actions.LIMIT_ROLES])
    team = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    per_action = serializers.DecimalField(**MONEY, min_value=0, max_value=actions.MAX_AMOUNT)
    per_person_month = serializers.DecimalField(**MONEY, min_value=0, max_value=actions.MAX_AMOUNT)
    per_customer_30d = serializers.DecimalField(**MONEY, min_value=0, max_value=actions.MAX_AMOUNT)


class LimitOut(serializers.ModelSerializer):
    class Meta:
        model = Limit
        fields = [
            "id",
            "action",
            "role",
            "team",
            "per_action",
            "per_person_month",
            "per_customer_30d",
        ]


class GrantIn(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1, max_value=2**62)
    action = serializers.IntegerField(min_value=1, max_value=2**62)
    amount = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0.01"),
        max_value=actions.MAX_AMOUNT,
        required=False,
        allow_null=True,
        help_text="Required for actions that carry an amount; ignored otherwise.",
    )
    currency = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="Optional; must be the action's ISO 4217 code.",
    )
    reason = serializers.CharField(max_length=2000)


class GrantOut(serializers.ModelSerializer):
    action_name = serializers.CharField(source="action.name")

    class Meta:
        model = Grant
        fields = [
            "id",
            "conversation",
            "contact",
            "team",
            "action",
            "action_name",
            "amount",
            "currency",
            "reason",
            "status",
            "over",
            "requested_by",
            "created_at",
            "deadline",
            "escalated_at",
            "decided_by",
            "decided_at",
            "decision_seconds",
            "decline_reason",
        ]


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[decisions.APPROVE, decisions.DECLINE])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ActionViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = ActionIO
    access = GOODWILL_GRANT
    access_by_action = {"create": GOODWILL_ADMIN}
    queryset = Action.objects.all()

    @extend_schema(request=ActionIO, responses={201: ActionIO}, parameters=[KEY_PARAM])
    def create(self, request: Request) -> Response:
        def run():
            data = validated(ActionIO, request.data)
            action_ = actions.define_action(request.user, now=timezone.now(), **data)
            return 201, ActionIO(action_).data

        return create_once(request, run)


class LimitViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = LimitOut
    access = GOODWILL_ADMIN
    queryset = Limit.objects.all()

    @extend_schema(request=LimitIn, responses={201: LimitOut}, parameters=[KEY_PARAM])
    def create(self, request: Request) -> Response:
        def run():
            data = validated(LimitIn, request.data)
            action_ = get_object_or_404(Action, pk=data.pop("action"))
            team = data.pop("team", None)
            if team is not None:
                from servewell.people.models import Team

                team = get_object_or_404(Team, pk=team)
            limit = actions.set_limit(request.user, action_, team=team, now=timezone.now(), **data)
            return 201, LimitOut(limit).data

        return create_once(request, run)


class GrantViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = Grant.objects.none()
    serializer_class = GrantOut
    access = GOODWILL_GRANT
    access_by_action = {"decide": GOODWILL_DECIDE}
    filterset_fields = ["status", "conversation", "contact", "team", "action", "requested_by"]

    def get_queryset(self):
        return queries.grants_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=GrantIn, responses={201: GrantOut}, parameters=[KEY_PARAM])
    def create(self, request: Request) -> Response:
        def run():
            data = validated(GrantIn, request.data)
            conversation = conversations_for(request.user).filter(pk=data["conversation"]).first()
            if conversation is None:
                raise serializers.ValidationError({"conversation": ["No such conversation."]})
            action_ = Action.objects.filter(pk=data["action"]).first()
            if action_ is None:
                raise serializers.ValidationError({"action": ["No such action."]})
            if action_.has_amount and data.get("amount") is None:
                raise serializers.ValidationError({"amount": ["Give the amount."]})
            grant = grants.grant_goodwill(
                request.user,
                conversation,
                action=action_,
                amount=data.get("amount"),
                reason=data["reason"],
                currency=data.get("currency"),
                now=timezone.now(),
            )
            return 201, GrantOut(grant).data

        return create_once(request, run)

    @extend_schema(request=DecisionIn, responses={200: GrantOut})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        data = validated(DecisionIn, request.data)
        grant = queries.access_grant(request.user, pk)
        grant = decisions.decide(request.user, grant, now=timezone.now(), **data)
        return Response(GrantOut(grant).data)


class CommentIO(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": 5000}}


class StoryIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    happened = serializers.CharField(max_length=5000)
    choice = serializers.CharField(max_length=5000)
    outcome = serializers.CharField(max_length=5000)
    conversation = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True
    )
    grant = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)


class StoryOut(serializers.ModelSerializer):
    class Meta:
        model = Story
        fields = [
            "id",
            "author",
            "title",
            "happened",
            "choice",
            "outcome",
            "conversation",
            "grant",
            "created_at",
            "featured",
            "featured_by",
            "featured_at",
            "offered_to_academy",
            "offered_by",
            "offered_at",
        ]


class ReactionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reaction.Kind.choices)


class ReactionOut(serializers.Serializer):
    kind = serializers.CharField()
    on = serializers.BooleanField()


class FeatureIn(serializers.Serializer):
    featured = serializers.BooleanField()


class StoryViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = StoryOut
    access = STORIES
    access_by_action = {"feature": STORIES_FEATURE, "offer": STORIES_FEATURE}
    filterset_fields = ["featured", "offered_to_academy", "author"]

    def get_queryset(self):
        return Story.objects.order_by("-created_at", "-id")

    @extend_schema(request=StoryIn, responses={201: StoryOut}, parameters=[KEY_PARAM])
    def create(self, request: Request) -> Response:
        def run():
            data = validated(StoryIn, request.data)
            story = stories.record_story(
                request.user,
                now=timezone.now(),
                conversation_id=data.pop("conversation", None),
                grant_id=data.pop("grant", None),
                **data,
            )
            return 201, StoryOut(story).data

        return create_once(request, run)

    @extend_schema(request=CommentIO, responses={201: CommentIO}, parameters=[KEY_PARAM])
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str) -> Response:
        story = self.get_object()

        def run():
            data = validated(CommentIO, request.data)
            c = stories.comment(request.user, story, body=data["body"], now=timezone.now())
            return 201, CommentIO(c).data

        return create_once(request, run)

    @extend_schema(request=ReactionIn, responses={200: ReactionOut})
    @action(detail=True, methods=["post"])
    def react(self, request: Request, pk: str) -> Response:
        data = validated(ReactionIn, request.data)
        on = stories.react(request.user, self.get_object(), kind=data["kind"], now=timezone.now())
        return Response({"kind": data["kind"], "on": on})

    @extend_schema(request=FeatureIn, responses={200: StoryOut})
    @action(detail=True, methods=["post"])
    def feature(self, request: Request, pk: str) -> Response:
        data = validated(FeatureIn, request.data)
        story = stories.feature(
            request.user, self.get_object(), featured=data["featured"], now=timezone.now()
        )
        return Response(StoryOut(story).data)

    @extend_schema(request=None, responses={200: StoryOut})
    @action(detail=True, methods=["post"])
    def offer(self, request: Request, pk: str) -> Response:
        story = stories.offer_to_academy(request.user, self.get_object(), now=timezone.now())
        return Response(StoryOut(story).data)


class ReportRowOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    currency = serializers.CharField()
    spend = serializers.DecimalField(max_digits=14, decimal_places=2)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    grants = serializers.IntegerField()
    requests = serializers.IntegerField()
    share_without_approval = serializers.FloatField(allow_null=True)
    share_came_back = serializers.FloatField(allow_null=True)
    csat = serializers.FloatField(allow_null=True)


class ReportView(APIView):
    access = GOODWILL_REPORTS

    @extend_schema(
        parameters=[
            OpenApiParameter("dim", str, OpenApiParameter.PATH, enum=list(reports.DIMENSIONS)),
            OpenApiParameter("months", int, description="Calendar months back, 1 to 24 (3)."),
            OpenApiParameter("team", int, description="One team's grants."),
        ],
        responses={200: ReportRowOut(many=True)},
    )
    def get(self, request: Request, dim: str) -> Response:
        if dim not in reports.DIMENSIONS:
            return Response({"detail": "No such report.", "code": "not_found"}, status=404)
        params = ReportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = reports.spend_report(request.user, now=timezone.now(), **params.validated_data)
        return Response(ReportRowOut(data.tables[dim], many=True).data)


class ReportParams(serializers.Serializer):
    months = serializers.IntegerField(
        min_value=1, max_value=reports.MAX_MONTHS, required=False, default=3
    )
    team = serializers.IntegerField(min_value=1, max_value=2**62, required=False, source="team_id")
