"""REST API for commitments: policies with escalations, clocks, aging, accountability,
team settings."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.commitments import accountability, acknowledge, aging, policies, sla
from servewell.commitments.access import COMMITMENTS_MANAGE, COMMITMENTS_VIEW
from servewell.commitments.models import ClockKind, Escalation, SlaPolicy, TeamCommitments
from servewell.core.api import validated
from servewell.desk.models import Conversation, Priority
from servewell.people.access import access_team, scope_to_teams, visible_team_ids
from servewell.people.models import Team


class DueOut(serializers.Serializer):
    """The most urgent open target of a conversation (the inbox's Due column)."""

    kind = serializers.CharField(help_text="first_response, next_response or resolution")
    label = serializers.CharField()
    state = serializers.CharField(help_text="on_track, warning, breached or paused")
    due_at = serializers.DateTimeField(allow_null=True, help_text="Null while paused.")
    remaining_seconds = serializers.FloatField(
        allow_null=True, help_text="Business seconds left; negative when overdue."
    )


class EscalationOut(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = ["id", "trigger", "kind", "action", "team", "url"]


class EscalationIn(serializers.Serializer):
    trigger = serializers.ChoiceField(choices=Escalation.Trigger.choices)
    kind = serializers.ChoiceField(
        choices=[("", "any"), *ClockKind.choices], required=False, default=""
    )
    action = serializers.ChoiceField(choices=Escalation.Action.choices)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    url = serializers.URLField(required=False, allow_blank=True, default="")


class PolicyOut(serializers.ModelSerializer):
    escalations = EscalationOut(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = ["id", "team", *policies.POLICY_FIELDS, "escalations"]


class PolicyIn(serializers.Serializer):
    team = serializers.IntegerField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    first_response_minutes = serializers.IntegerField(
        min_value=1, max_value=policies.MAX_TARGET_MINUTES, required=False, allow_null=True
    )
    next_response_minutes = serializers.IntegerField(
        min_value=1, max_value=policies.MAX_TARGET_MINUTES, required=False, allow_null=True
    )
    resolution_minutes = serializers.IntegerField(
        min_value=1, max_value=policies.MAX_TARGET_MINUTES, required=False, allow_null=True
    )
    warn_fraction = serializers.FloatField(min_value=0.01, max_value=0.99, required=False)
    is_active = serializers.BooleanField(required=False)


class PolicyPatch(PolicyIn):
    team = None
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class PolicyViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """SLA policies of the teams you see; leads, managers and admins change their teams'."""

    serializer_class = PolicyOut
    access = COMMITMENTS_VIEW
    access_by_action = {
        "create": COMMITMENTS_MANAGE,
        "partial_update": COMMITMENTS_MANAGE,
        "destroy": COMMITMENTS_MANAGE,
        "escalations": COMMITMENTS_MANAGE,
    }
    filterset_fields = ["team", "priority"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaPolicy.objects.none()
        return scope_to_teams(SlaPolicy.objects.prefetch_related("escalations"), self.request.user)

    @extend_schema(request=PolicyIn, responses={201: PolicyOut})
    def create(self, request: Request) -> Response:
        data = validated(PolicyIn, request.data)
        values = dict(data)
        team = access_team(request.user, values.pop("team"), manage=True)
        policy = policies.save_policy(request.user, team, values)
        return Response(PolicyOut(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PolicyPatch, responses={200: PolicyOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        access_team(request.user, policy.team_id, manage=True)
        data = validated(PolicyPatch, request.data)
        policy = policies.save_policy(request.user, policy.team, dict(data), policy)
        return Response(PolicyOut(policy).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        access_team(request.user, policy.team_id, manage=True)
        policies.delete_policy(request.user, policy)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=EscalationIn, responses={201: EscalationOut})
    @action(detail=True, methods=["post"])
    def escalations(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        access_team(request.user, policy.team_id, manage=True)
        data = validated(EscalationIn, request.data)
        rule = policies.add_escalation(request.user, policy, dict(data))
        return Response(EscalationOut(rule).data, status=status.HTTP_201_CREATED)


class ClockOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField(help_text="on_track, warning, breached, paused, met, met_late")
    due_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.FloatField(allow_null=True)
    target_seconds = serializers.IntegerField()


class ConversationClocksOut(serializers.Serializer):
    conversation = serializers.IntegerField()
    clocks = ClockOut(many=True)
    apology = serializers.CharField(
        help_text="The team's apology when a response target was missed; empty otherwise."
    )


class ConversationClocksView(APIView):
    """Each target of a conversation: due time, business time left, state."""

    access = COMMITMENTS_VIEW

    @extend_schema(responses={200: ConversationClocksOut})
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = get_object_or_404(
            scope_to_teams(Conversation.objects.all(), request.user), pk=conversation_id
        )
        apology = (
            acknowledge.settings_for(conversation.team_id).apology
            if sla.was_breached(conversation)
            else ""
        )
        return Response(
            ConversationClocksOut(
                {
                    "conversation": conversation.pk,
                    "clocks": sla.clocks_for(conversation, timezone.now()),
                    "apology": apology,
                }
            ).data
        )


class AgingRowOut(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    buckets = serializers.DictField(child=serializers.IntegerField())
    oldest = serializers.ListField(child=serializers.IntegerField())


class AgingView(APIView):
    """Open conversations per team by age bucket, and the oldest ones."""

    access = COMMITMENTS_VIEW

    @extend_schema(responses={200: AgingRowOut(many=True)})
    def get(self, request: Request) -> Response:
        rows = aging.board_for(request.user, now=timezone.now())
        return Response(
            AgingRowOut(
                [
                    {
                        "team": r.team,
                        "buckets": dict(r.cells),
                        "oldest": [c.pk for c in r.oldest],
                    }
                    for r in rows
                ],
                many=True,
            ).data
        )


class FiguresOut(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField()
    median_s = serializers.FloatField(allow_null=True)
    p90_s = serializers.FloatField(allow_null=True)
    within_target = serializers.FloatField(allow_null=True)
    breaches = serializers.IntegerField()


class AccountabilityQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366, required=False, default=30)
    kind = serializers.ChoiceField(
        choices=ClockKind.choices, required=False, default=ClockKind.FIRST_RESPONSE
    )
    by = serializers.ChoiceField(choices=["team", "person"], required=False, default="team")


class AccountabilityView(APIView):
    """Median and p90 business time, share within target and breaches, per team or
    person, for the last ``days`` days."""

    access = COMMITMENTS_VIEW

    @extend_schema(parameters=[AccountabilityQuery], responses={200: FiguresOut(many=True)})
    def get(self, request: Request) -> Response:
        q = validated(AccountabilityQuery, request.query_params)
        end = timezone.now()
        clocks = accountability.team_clocks(visible_team_ids(request.user))
        rows = accountability.report(
            clocks, start=end - timedelta(days=q["days"]), end=end, kind=q["kind"], by=q["by"]
        )
        return Response(FiguresOut(rows, many=True).data)


class TeamSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeamCommitments
        fields = policies.SETTINGS_FIELDS


class TeamSettingsView(APIView):
    """A team's acknowledgement, apology, public page and digest settings."""

    access = COMMITMENTS_VIEW

    @extend_schema(responses={200: TeamSettingsSerializer})
    def get(self, request: Request, team_id: int) -> Response:
        team = access_team(request.user, team_id)
        return Response(
            TeamSettingsSerializer(TeamCommitments.objects.get_or_create(team=team)[0]).data
        )

    @extend_schema(request=TeamSettingsSerializer, responses={200: TeamSettingsSerializer})
    def put(self, request: Request, team_id: int) -> Response:
        team = access_team(request.user, team_id, manage=True)
        data = validated(TeamSettingsSerializer, request.data, partial=True)
        saved = policies.save_settings(request.user, team, dict(data))
        return Response(TeamSettingsSerializer(saved).data)
