"""The experience API (``api/experience/``): responses, recovery, reports, the pulse,
kudos, settings, and answering a survey by its token (public, like the link)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.access import PUBLIC
from servewell.core.api import Pagination, validated
from servewell.experience import kudos, pulse, queries, recovery, reports, surveys
from servewell.experience.access import EXPERIENCE_MANAGE, EXPERIENCE_REPORTS, EXPERIENCE_VIEW
from servewell.experience.models import (
    Again,
    Kudos,
    KudosValue,
    PulseRound,
    Recovery,
    SurveyResponse,
)
from servewell.experience.surveys import settings_for
from servewell.experience.views import save_settings
from servewell.people.access import access_person, access_team, scope_to_teams, visible_team_ids


class SurveyResponseOut(serializers.ModelSerializer):
    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "survey",
            "kind",
            "score",
            "would_return",
            "comment",
            "negative",
            "conversation",
            "team",
            "handler",
            "responded_at",
            "updated_at",
            "revision",
        ]


class SurveyResponseFilter(serializers.Serializer):
    team = serializers.IntegerField(min_value=1, required=False)
    conversation = serializers.IntegerField(min_value=1, required=False)
    kind = serializers.ChoiceField(choices=["csat", "nps"], required=False)
    low = serializers.BooleanField(required=False, default=False)


class KudosOut(serializers.ModelSerializer):
    class Meta:
        model = Kudos
        fields = ["id", "receiver", "giver", "team", "value", "message", "source", "created_at"]


class ResponseViewSet(viewsets.ReadOnlyModelViewSet):
    """Survey answers of the teams the caller sees; ``kudos`` passes a positive
    comment on to the handler."""

    access_by_action = {
        "list": EXPERIENCE_REPORTS,
        "retrieve": EXPERIENCE_REPORTS,
        "kudos": EXPERIENCE_VIEW,
    }
    serializer_class = SurveyResponseOut
    pagination_class = Pagination
    queryset = SurveyResponse.objects.none()  # the schema's model; get_queryset scopes

    def get_queryset(self):
        qs = scope_to_teams(SurveyResponse.objects.all(), self.request.user)
        if self.action != "list":
            return qs
        f = validated(SurveyResponseFilter, self.request.query_params)
        for name in ("team", "conversation", "kind"):
            if name in f:
                qs = qs.filter(**{name: f[name]})
        return qs.filter(negative=True) if f.get("low") else qs

    @extend_schema(parameters=[SurveyResponseFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={201: KudosOut})
    @action(detail=True, methods=["post"])
    def kudos(self, request: Request, pk: int) -> Response:
        response = self.get_object()
        return Response(
            KudosOut(kudos.pass_on(request.user, response, now=timezone.now())).data, status=201
        )


class SurveyAnswerIn(serializers.Serializer):
    token = serializers.CharField(max_length=100)
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    would_return = serializers.ChoiceField(
        choices=[("", "Not answered"), *Again.choices], required=False, default=""
    )


class SurveyAnswerOut(serializers.Serializer):
    score = serializers.IntegerField()
    revision = serializers.IntegerField()


class AnswerView(APIView):
    """Answer a survey with the token from its link (the customer's own client)."""

    access = PUBLIC
    authentication_classes: list = []

    @extend_schema(request=SurveyAnswerIn, responses={200: SurveyAnswerOut})
    def post(self, request: Request) -> Response:
        d = validated(SurveyAnswerIn, request.data)
        response = surveys.record_answer(
            d["token"],
            score=d["score"],
            comment=d["comment"],
            would_return=d["would_return"],
            now=timezone.now(),
        )
        return Response({"score": response.score, "revision": response.revision})


class SurveyRecoveryOut(serializers.ModelSerializer):
    conversation = serializers.IntegerField(source="response.conversation_id")
    score = serializers.IntegerField(source="response.score")

    class Meta:
        model = Recovery
        fields = [
            "id",
            "response",
            "conversation",
            "score",
            "opened_at",
            "action_at",
            "action",
            "actor",
        ]


class RecoveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Low ratings to act on; ``reopen`` reopens the conversation (the first action)."""

    access = EXPERIENCE_REPORTS
    serializer_class = SurveyRecoveryOut
    pagination_class = Pagination
    queryset = Recovery.objects.none()  # the schema's model; get_queryset scopes

    def get_queryset(self):
        return scope_to_teams(
            Recovery.objects.select_related("response"), self.request.user, "response__team"
        )

    @extend_schema(request=None, responses={200: SurveyRecoveryOut})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        recovery.reopen(request.user, item, now=timezone.now())
        item.refresh_from_db()
        return Response(SurveyRecoveryOut(item).data)


class ExperienceReportParams(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(reports.GROUPS), default="team")
    months = serializers.IntegerField(min_value=1, max_value=36, default=6)
    team = serializers.IntegerField(min_value=1, required=False)


class ExperienceReportRowOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    sent = serializers.IntegerField()
    responses = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    csat = serializers.FloatField(allow_null=True)
    nps_responses = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True)


class ReportView(APIView):
    """CSAT (share of 4-5), response rate and NPS by team, person or month."""

    access = EXPERIENCE_REPORTS

    @extend_schema(
        parameters=[ExperienceReportParams], responses={200: ExperienceReportRowOut(many=True)}
    )
    def get(self, request: Request) -> Response:
        p = validated(ExperienceReportParams, request.query_params)
        team = p.get("team")
        if team is not None:
            access_team(request.user, team)
        starts = queries.months_back(timezone.now(), p["months"])
        rows = reports.survey_report(
            request.user, by=p["by"], start=starts[0], end=starts[-1], team_id=team
        )
        return Response(ExperienceReportRowOut(rows, many=True).data)


class PulseRoundOut(serializers.ModelSerializer):
    respondents = serializers.SerializerMethodField()
    shown = serializers.SerializerMethodField()
    enps = serializers.SerializerMethodField()
    again_yes = serializers.SerializerMethodField()
    supported = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()

    class Meta:
        model = PulseRound
        fields = [
            "id",
            "team",
            "k",
            "opened_at",
            "closes_at",
            "closed_at",
            "invited",
            "respondents",
            "shown",
            "enps",
            "again_yes",
            "supported",
            "comments",
        ]

    def _r(self, obj) -> pulse.Result:
        return self.context["results"][obj.pk]

    def get_respondents(self, obj) -> int | None:
        r = self._r(obj)
        return r.respondents if r.shown else None

    def get_shown(self, obj) -> bool:
        return self._r(obj).shown

    def get_enps(self, obj) -> float | None:
        return self._r(obj).enps

    def get_again_yes(self, obj) -> float | None:
        return self._r(obj).again_yes

    def get_supported(self, obj) -> float | None:
        return self._r(obj).supported

    def get_comments(self, obj) -> list[str]:
        return self._r(obj).comments


class PulseOpenRoundIn(serializers.Serializer):
    team = serializers.IntegerField(min_value=1)
    k = serializers.IntegerField(min_value=pulse.K_MIN, max_value=100, required=False)


class PulseAnswerIn(serializers.Serializer):
    enps = serializers.IntegerField(min_value=0, max_value=10)
    again = serializers.ChoiceField(choices=Again.values)
    supported = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=3000)


class PulseRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pulse rounds of the caller's teams (managers: all). Figures and comments only for
    closed rounds with at least k respondents. ``answer``: a member answers anonymously."""

    access_by_action = {
        "list": EXPERIENCE_REPORTS,
        "retrieve": EXPERIENCE_REPORTS,
        "create": EXPERIENCE_MANAGE,
        "close": EXPERIENCE_MANAGE,
        "answer": EXPERIENCE_VIEW,
    }
    serializer_class = PulseRoundOut
    pagination_class = Pagination
    queryset = PulseRound.objects.none()  # the schema's model; get_queryset scopes

    def get_queryset(self):
        return scope_to_teams(PulseRound.objects.all(), self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "results": self._results}

    _results: dict = {}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._results = {r.round.pk: r for r in pulse.round_results(page or [])}
        return page

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        self._results = {item.pk: pulse.round_results([item])[0]}
        return Response(self.get_serializer(item).data)

    @extend_schema(request=PulseOpenRoundIn, responses={201: PulseRoundOut})
    def create(self, request: Request) -> Response:
        d = validated(PulseOpenRoundIn, request.data)
        team = access_team(request.user, d["team"], manage=True)
        item = pulse.open_round(request.user, team, now=timezone.now(), k=d.get("k"))
        self._results = {item.pk: pulse.round_results([item])[0]}
        return Response(self.get_serializer(item).data, status=201)

    @extend_schema(request=None, responses={200: PulseRoundOut})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        access_team(request.user, item.team_id, manage=True)
        pulse.close_round(request.user, item, now=timezone.now())
        return self.retrieve(request, pk=pk)

    @extend_schema(request=PulseAnswerIn, responses={204: None})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: int) -> Response:
        d = validated(PulseAnswerIn, request.data)
        pulse.answer(request.user, pk, now=timezone.now(), **d)
        return Response(status=204)


class KudosIn(serializers.Serializer):
    receiver = serializers.IntegerField(min_value=1)
    value = serializers.ChoiceField(choices=KudosValue.values)
    message = serializers.CharField(max_length=kudos.MAX_MESSAGE)


class KudosFilter(serializers.Serializer):
    team = serializers.IntegerField(min_value=1, required=False)
    receiver = serializers.IntegerField(min_value=1, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class KudosViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The recognition wall (teams the caller sees), filterable by team and period."""

    access = EXPERIENCE_VIEW
    serializer_class = KudosOut
    pagination_class = Pagination
    queryset = Kudos.objects.none()  # the schema's model; get_queryset scopes

    def get_queryset(self):
        f = validated(KudosFilter, self.request.query_params) if self.action == "list" else {}
        qs = kudos.wall(
            visible_team_ids(self.request.user),
            team_id=f.get("team"),
            start=f.get("since"),
            end=f.get("until"),
        )
        return qs.filter(receiver_id=f["receiver"]) if "receiver" in f else qs

    @extend_schema(parameters=[KudosFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=KudosIn, responses={201: KudosOut})
    def create(self, request: Request) -> Response:
        d = validated(KudosIn, request.data)
        receiver = access_person(request.user, d["receiver"])
        item = kudos.give_kudos(
            request.user, receiver, value=d["value"], message=d["message"], now=timezone.now()
        )
        return Response(KudosOut(item).data, status=201)


class ExperienceSettingsIO(serializers.Serializer):
    surveys_enabled = serializers.BooleanField()
    survey_delay_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 14)
    contact_interval_days = serializers.IntegerField(min_value=1, max_value=3650)
    nps_interval_days = serializers.IntegerField(min_value=1, max_value=3650)
    link_days = serializers.IntegerField(min_value=1, max_value=3650)
    pulse_enabled = serializers.BooleanField()
    pulse_every_days = serializers.IntegerField(min_value=1, max_value=3650)
    pulse_open_days = serializers.IntegerField(min_value=1, max_value=3650)
    pulse_k = serializers.IntegerField(min_value=pulse.K_MIN, max_value=100)


class SettingsView(APIView):
    """A team's survey and pulse settings (leads of the team, managers, admins)."""

    access = EXPERIENCE_MANAGE

    @extend_schema(responses={200: ExperienceSettingsIO})
    def get(self, request: Request, team_id: int) -> Response:
        team = access_team(request.user, team_id, manage=True)
        return Response(ExperienceSettingsIO(settings_for(team.pk)).data)

    @extend_schema(request=ExperienceSettingsIO, responses={200: ExperienceSettingsIO})
    def put(self, request: Request, team_id: int) -> Response:
        team = access_team(request.user, team_id, manage=True)
        d = validated(ExperienceSettingsIO, request.data)
        data = {k: ("on" if v is True else v) for k, v in d.items()}
        return Response(ExperienceSettingsIO(save_settings(request.user, team.pk, data)).data)
