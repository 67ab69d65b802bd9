"""REST API of the live queue: the telephony feed, snapshots, metrics, alarm rules,
alarms with "I'm on it", presence and calls. Input serializers check the shape, the
domain modules the meaning; output serializers render."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.access import Forbidden, can
from servewell.core.api import IdFilter, UtcIsoDateTimeFilter, validated
from servewell.livequeue import alarm, feed, metrics, queries, rules
from servewell.livequeue.access import QUEUE_FEED, QUEUE_RULES, QUEUE_VIEW
from servewell.livequeue.models import (
    Alarm,
    AlarmResponse,
    AlarmRule,
    Call,
    Channel,
    EventKind,
    QueueSettings,
    RuleKind,
)
from servewell.people.access import access_team, can_manage_team, scope_to_teams
from servewell.people.models import Team, User

# --- Feed --------------------------------------------------------------------------------


class QueueEventIn(serializers.Serializer):
    event = serializers.ChoiceField(choices=EventKind.choices)
    call_id = serializers.CharField(max_length=150)
    team = serializers.CharField(max_length=120, help_text="The team's id or slug.")
    at = serializers.DateTimeField(
        required=False, help_text="When it happened (ISO 8601 with offset); default: now."
    )
    agent = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text="The agent's username."
    )
    caller = serializers.CharField(max_length=150, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    talk_s = serializers.FloatField(
        required=False, min_value=0, help_text="Talk time, if the phone system knows it."
    )


class CallOut(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id")
    agent = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "call_id",
            "team",
            "channel",
            "caller",
            "state",
            "joined_at",
            "answered_at",
            "ended_at",
            "agent",
            "wait_s",
            "talk_s",
        ]

    def get_agent(self, obj: Call) -> str | None:
        if obj.agent_id:
            return obj.agent.username
        return obj.agent_label or None


class QueueEventOut(serializers.Serializer):
    duplicate = serializers.BooleanField()
    call = CallOut()


_WHEN = serializers.DateTimeField()


def _event_out(result: feed.Recorded) -> dict:
    """``QueueEventOut`` of one result, written out: the feed answers every telephony
    event, and building the serializers per event cost a tenth of its time. The tests
    hold both to the same output."""
    call = result.call
    when = _WHEN.to_representation
    return {
        "duplicate": result.duplicate,
        "call": {
            "id": call.pk,
            "call_id": call.call_id,
            "team": call.team_id,
            "channel": call.channel,
            "caller": call.caller,
            "state": call.state,
            "joined_at": when(call.joined_at) if call.joined_at else None,
            "answered_at": when(call.answered_at) if call.answered_at else None,
            "ended_at": when(call.ended_at) if call.ended_at else None,
            "agent": CallOut.get_agent(None, call),  # type: ignore[arg-type]
            "wait_s": float(call.wait_s) if call.wait_s is not None else None,
            "talk_s": float(call.talk_s) if call.talk_s is not None else None,
        },
    }


class QueueEventView(APIView):
    """Telephony events: joined, answered, abandoned, completed. Idempotent by
    (call_id, event): a repeat answers 200 with ``duplicate: true`` and changes nothing;
    events may arrive in any order."""

    access = QUEUE_FEED

    @extend_schema(request=QueueEventIn, responses={201: QueueEventOut, 200: QueueEventOut})
    def post(self, request: Request) -> Response:
        data = validated(QueueEventIn, request.data)
        result = feed.record_events([_incoming(data)])[0]
        status_code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(_event_out(result), status=status_code)


def _incoming(v: dict) -> feed.Incoming:
    return feed.Incoming(
        kind=v["event"],
        call_id=v["call_id"],
        team=v["team"],
        at=v.get("at") or timezone.now(),
        agent=v.get("agent") or None,
        caller=v.get("caller", ""),
        channel=v.get("channel", Channel.PHONE),
        talk_s=v.get("talk_s"),
    )


class QueueEventBatchIn(serializers.Serializer):
    events = QueueEventIn(many=True, allow_empty=False, max_length=feed.MAX_BATCH)


class QueueEventBatchOut(serializers.Serializer):
    recorded = serializers.IntegerField(help_text="How many of the events were new.")
    duplicates = serializers.IntegerField()
    results = QueueEventOut(many=True, help_text="One per event, in the order sent.")


class QueueEventBatchView(APIView):
    """Several telephony events in one request (up to 500), for a phone system that
    buffers them: each is handled exactly as if posted alone, in the order sent, and the
    batch is stored all or nothing — an invalid event refuses the whole batch with a
    400 that names it (``events.3.team``)."""

    access = QUEUE_FEED

    @extend_schema(request=QueueEventBatchIn, responses={200: QueueEventBatchOut})
    def post(self, request: Request) -> Response:
        data = validated(QueueEventBatchIn, request.data)
        results = feed.record_events([_incoming(v) for v in data["events"]])
        new = sum(not r.duplicate for r in results)
        body = {
            "recorded": new,
            "duplicates": len(results) - new,
            "results": [_event_out(r) for r in results],
        }
        return Response(body)


class CallViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Calls and chats of the teams the caller sees."""

    serializer_class = CallOut
    access = QUEUE_VIEW
    filterset_fields = {"team": ["exact"], "state": ["exact"], "channel": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Call.objects.none()
        return scope_to_teams(
            Call.objects.select_related("agent"), self.request.user, field="team"
        ).order_by("-id")


# --- Snapshot and metrics ------------------------------------------------------------------


class SnapshotOut(serializers.Serializer):
    team = serializers.IntegerField()
    team_name = serializers.CharField()
    team_slug = serializers.CharField()
    server_time = serializers.DateTimeField()
    waiting = serializers.IntegerField()
    oldest_joined_at = serializers.DateTimeField(allow_null=True)
    longest_wait_s = serializers.FloatField()
    offered_today = serializers.IntegerField()
    service_level_today = serializers.FloatField(allow_null=True, help_text="0..1")
    service_level_seconds = serializers.IntegerField()
    asa_s = serializers.FloatField(allow_null=True)
    aht_s = serializers.FloatField(allow_null=True)
    abandonment_rate = serializers.FloatField(allow_null=True)
    available = serializers.IntegerField()
    alarms = serializers.ListField(child=serializers.DictField())


class SnapshotView(APIView):
    """The live queue of every team the caller sees: what the wallboard shows."""

    access = QUEUE_VIEW

    @extend_schema(responses={200: SnapshotOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(SnapshotOut(queries.snapshots(request.user), many=True).data)


class PeriodIn(serializers.Serializer):
    team = serializers.IntegerField()
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict) -> dict:
        end = attrs.get("end") or timezone.now()
        start = attrs.get("start") or end - dt.timedelta(days=1)
        if start >= end:
            raise serializers.ValidationError({"start": ["Start must be before end."]})
        if end - start > dt.timedelta(days=366):
            raise serializers.ValidationError({"start": ["Ask for a year at most."]})
        return {**attrs, "start": start, "end": end}


class StaffingOut(serializers.Serializer):
    calls_per_hour = serializers.FloatField()
    aht_s = serializers.FloatField()
    traffic_erlangs = serializers.FloatField()
    agents = serializers.IntegerField()
    service_level = serializers.FloatField()
    probability_wait = serializers.FloatField()
    asa_s = serializers.FloatField()
    occupancy = serializers.FloatField()


class MetricsOut(serializers.Serializer):
    team = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    joined = serializers.IntegerField()
    offered = serializers.IntegerField()
    answered = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    short_abandoned = serializers.IntegerField()
    answered_in_time = serializers.IntegerField()
    service_level = serializers.FloatField(allow_null=True, help_text="0..1")
    asa_s = serializers.FloatField(allow_null=True)
    aht_s = serializers.FloatField(allow_null=True)
    abandonment_rate = serializers.FloatField(allow_null=True)
    calls_per_hour = serializers.FloatField()
    service_level_seconds = serializers.IntegerField()
    service_level_target_pct = serializers.IntegerField()
    short_abandon_seconds = serializers.IntegerField()
    short_abandon_rule = serializers.CharField()
    staffing = StaffingOut(allow_null=True, help_text="Erlang C: agents for the target.")


class MetricsView(APIView):
    """Service level, ASA, AHT, abandonment and an Erlang C staffing suggestion for a
    team over [start, end) (default: the last 24 hours). See ``livequeue/metrics.py``
    for the definitions."""

    access = QUEUE_VIEW

    @extend_schema(parameters=[PeriodIn], responses={200: MetricsOut})
    def get(self, request: Request) -> Response:
        q = validated(PeriodIn, request.query_params)
        team = access_team(request.user, q["team"])
        start, end = q["start"], q["end"]
        result = metrics.period_metrics(team.pk, start, end)
        staffing = metrics.staffing_suggestion(result)
        result.update(
            team=team.pk, start=start, end=end, staffing=staffing.as_dict() if staffing else None
        )
        return Response(MetricsOut(result).data)


# --- Settings and rules ----------------------------------------------------------------------


class QueueSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = QueueSettings
        fields = [
            "service_level_seconds",
            "service_level_target_pct",
            "short_abandon_seconds",
            "short_abandon_rule",
        ]
        extra_kwargs = {
            "service_level_seconds": {"min_value": 1, "max_value": 3600},
            "service_level_target_pct": {"min_value": 1, "max_value": 100},
            "short_abandon_seconds": {"min_value": 0, "max_value": 600},
        }


class QueueSettingsView(APIView):
    """A team's service-level definition: T seconds, the target and short abandons."""

    access = QUEUE_VIEW

    @extend_schema(responses={200: QueueSettingsSerializer})
    def get(self, request: Request, team_id: int) -> Response:
        team = access_team(request.user, team_id)
        return Response(QueueSettingsSerializer(metrics.settings_for(team.pk)).data)

    @extend_schema(request=QueueSettingsSerializer, responses={200: QueueSettingsSerializer})
    def put(self, request: Request, team_id: int) -> Response:
        team = _manageable_team(request, team_id)
        data = validated(QueueSettingsSerializer, request.data, partial=True)
        qs = rules.update_settings(request.user, team, **data)
        return Response(QueueSettingsSerializer(qs).data)


def _manageable_team(request: Request, team_id: int) -> Team:
    if not can(request.user, QUEUE_RULES):
        raise Forbidden("Only leads, managers and admins change queue settings.")
    return access_team(request.user, team_id, manage=True)


class AlarmRuleOut(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id")
    description = serializers.CharField(source="describe")

    class Meta:
        model = AlarmRule
        fields = [
            "id",
            "team",
            "kind",
            "threshold",
            "clear_threshold",
            "notify_org",
            "is_active",
            "description",
            "created_at",
        ]


class AlarmRuleIn(serializers.Serializer):
    team = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    threshold = serializers.FloatField(min_value=0)
    clear_threshold = serializers.FloatField(min_value=0)
    notify_org = serializers.BooleanField(required=False, default=False)
    is_active = serializers.BooleanField(required=False, default=True)


class AlarmRulePatch(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RuleKind.choices, required=False)
    threshold = serializers.FloatField(min_value=0, required=False)
    clear_threshold = serializers.FloatField(min_value=0, required=False)
    notify_org = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class AlarmRuleViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Alarm rules of the teams the caller sees; leads of the team, managers and admins
    change them. ``threshold`` trips, ``clear_threshold`` clears (hysteresis)."""

    serializer_class = AlarmRuleOut
    access = QUEUE_VIEW
    access_by_action = {
        "create": QUEUE_RULES,
        "partial_update": QUEUE_RULES,
        "destroy": QUEUE_RULES,
    }
    filterset_fields = {"team": ["exact"], "kind": ["exact"], "is_active": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AlarmRule.objects.none()
        return scope_to_teams(AlarmRule.objects.all(), self.request.user).order_by("-id")

    def _rule(self, pk: str, *, manage: bool = False) -> AlarmRule:
        rule = get_object_or_404(self.get_queryset(), pk=pk)
        if manage and not can_manage_team(self.request.user, rule.team):
            raise Forbidden("Only a lead of this team, a manager or an admin may change it.")
        return rule

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AlarmRuleOut(self._rule(pk)).data)

    @extend_schema(request=AlarmRuleIn, responses={201: AlarmRuleOut})
    def create(self, request: Request) -> Response:
        data = validated(AlarmRuleIn, request.data)
        v = dict(data)
        team = access_team(request.user, v.pop("team"), manage=True)
        rule = rules.create_rule(request.user, team, **v)
        return Response(AlarmRuleOut(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AlarmRulePatch, responses={200: AlarmRuleOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        rule = self._rule(pk, manage=True)
        data = validated(AlarmRulePatch, request.data)
        rules.update_rule(request.user, rule, **data)
        return Response(AlarmRuleOut(rule).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        rules.delete_rule(request.user, self._rule(pk, manage=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Alarms -----------------------------------------------------------------------------------


class ResponderOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.__str__")

    class Meta:
        model = AlarmResponse
        fields = ["user", "username", "name", "role", "at"]


class AlarmOut(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id")
    team_name = serializers.CharField(source="team.name")
    rule = serializers.IntegerField(source="rule_id", allow_null=True)
    duration_s = serializers.FloatField(allow_null=True, help_text="Time to clear.")
    responses = ResponderOut(many=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "team",
            "team_name",
            "rule",
            "rule_label",
            "kind",
            "notify_org",
            "raised_at",
            "cleared_at",
            "duration_s",
            "trigger_value",
            "peak_waiting",
            "longest_wait_s",
            "audience_count",
            "responses",
        ]


class AlarmFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id")
    open = django_filters.BooleanFilter(
        field_name="cleared_at", lookup_expr="isnull", help_text="Only alarms still raised."
    )
    start = UtcIsoDateTimeFilter(field_name="raised_at", lookup_expr="gte")
    end = UtcIsoDateTimeFilter(field_name="raised_at", lookup_expr="lt")

    class Meta:
        model = Alarm
        fields = ["team", "open", "start", "end"]


class AlarmSummaryOut(serializers.Serializer):
    count = serializers.IntegerField()
    open = serializers.IntegerField()
    cleared = serializers.IntegerField()
    total_duration_s = serializers.FloatField()
    average_duration_s = serializers.FloatField(allow_null=True)
    peak_waiting = serializers.IntegerField()
    longest_wait_s = serializers.FloatField()
    responses = serializers.IntegerField()
    responses_by_role = serializers.DictField(child=serializers.IntegerField())
    leads_jumped_in = serializers.IntegerField()
    alarms_with_a_lead = serializers.IntegerField()


class AlarmViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The alarm log: raised/cleared, peaks, who jumped in and in what role."""

    serializer_class = AlarmOut
    access = QUEUE_VIEW
    filterset_class = AlarmFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alarm.objects.none()
        return queries.list_alarms(self.request.user).order_by("-id")

    def retrieve(self, request: Request, pk: str) -> Response:
        found = get_object_or_404(queries.list_alarms(request.user), pk=pk)
        return Response(AlarmOut(found).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("team", int),
            OpenApiParameter("open", bool, description="Only alarms still raised."),
            OpenApiParameter("start", OpenApiTypes.DATETIME),
            OpenApiParameter("end", OpenApiTypes.DATETIME),
        ],
        responses={200: AlarmSummaryOut},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """How often, how long, how many leads jumped in, over the filtered alarms."""
        summary = queries.alarm_summary(self.filter_queryset(queries.list_alarms(request.user)))
        return Response(AlarmSummaryOut(summary).data)

    @extend_schema(request=None, responses={200: AlarmOut})
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str) -> Response:
        """I'm on it: recorded once per person, and sets the caller available."""
        found = get_object_or_404(queries.visible_alarms(request.user), pk=pk)
        alarm.respond(found, request.user)
        return self.retrieve(request, pk)


# --- Presence --------------------------------------------------------------------------------


class PresenceOut(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "presence",
            "presence_changed_at",
            "roles",
            "teams",
        ]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.role for g in obj.role_grants.all())

    def get_teams(self, obj: User) -> list[dict]:
        return [
            {"id": m.team_id, "name": m.team.name, "is_lead": m.is_lead}
            for m in obj.memberships.all()
        ]


class PresenceFilter(django_filters.FilterSet):
    team = IdFilter(field_name="memberships__team_id")

    class Meta:
        model = User
        fields = {"presence": ["exact"]}


class PresenceViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Who is available, busy, away or offline — leads and managers included. Change
    your own with ``PUT /api/me/``."""

    serializer_class = PresenceOut
    access = QUEUE_VIEW
    filterset_class = PresenceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return queries.presence_board(self.request.user).order_by("id")
