"""Sampling, calibration and coaching through the API."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.desk.models import Channel, Conversation
from servewell.people.access import access_person, people_only
from servewell.quality import calibration, coaching, reviews, sampling
from servewell.quality.access import (
    QUALITY_COACH,
    QUALITY_MANAGE,
    QUALITY_REVIEW,
    QUALITY_VIEW,
    reviews_for,
)
from servewell.quality.api.common import AnswerIn, ReviewDetailOut, answers_dict, valid
from servewell.quality.models import (
    ActionItem,
    CalibrationSession,
    CoachingSession,
    Criterion,
    Review,
    SamplingPlan,
    SamplingRun,
    Scorecard,
    ScorecardVersion,
)

# --- sampling --------------------------------------------------------------------------------


class PlanIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    scorecard = serializers.PrimaryKeyRelatedField(queryset=Scorecard.objects.all())
    per_person = serializers.IntegerField(min_value=1, max_value=sampling.MAX_PER_PERSON, default=3)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, default=list
    )
    low_rating_max = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    min_handling_hours = serializers.IntegerField(
        min_value=0, max_value=24 * 365, required=False, allow_null=True
    )
    is_active = serializers.BooleanField(default=True)


class PlanPatch(PlanIn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PlanOut(serializers.ModelSerializer):
    class Meta:
        model = SamplingPlan
        fields = [
            "id",
            "name",
            "scorecard",
            "per_person",
            "channels",
            "low_rating_max",
            "min_handling_hours",
            "is_active",
            "created_at",
        ]


class RunIn(serializers.Serializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    seed = serializers.IntegerField(min_value=0, max_value=2**31, required=False)

    def validate(self, data: dict) -> dict:
        if ("start" in data) != ("end" in data):
            raise serializers.ValidationError({"end": ["Give both start and end, or neither."]})
        return data


class RunOut(serializers.ModelSerializer):
    class Meta:
        model = SamplingRun
        fields = [
            "id",
            "plan",
            "period_start",
            "period_end",
            "started_by",
            "started_at",
            "people",
            "assigned",
            "notes",
        ]


class SamplingPlanViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = PlanOut
    access = QUALITY_MANAGE
    queryset = SamplingPlan.objects.order_by("-id")

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PlanOut(get_object_or_404(SamplingPlan, pk=pk)).data)

    @extend_schema(request=PlanIn, responses={201: PlanOut})
    def create(self, request: Request) -> Response:
        plan = sampling.create_plan(request.user, now=timezone.now(), **valid(PlanIn, request))
        return Response(PlanOut(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanIn, responses={200: PlanOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        plan = get_object_or_404(SamplingPlan, pk=pk)
        data = valid(PlanPatch, request)
        data.pop("name", None)
        return Response(PlanOut(sampling.update_plan(request.user, plan, **data)).data)

    @extend_schema(request=RunIn, responses={201: RunOut})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        plan = get_object_or_404(SamplingPlan.objects.select_related("scorecard"), pk=pk)
        run = sampling.run_sampling(request.user, plan, now=timezone.now(), **valid(RunIn, request))
        return Response(RunOut(run).data, status=status.HTTP_201_CREATED)


class SamplingRunViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = RunOut
    access = QUALITY_MANAGE
    queryset = SamplingRun.objects.order_by("-id")


# --- calibration -----------------------------------------------------------------------------


class CalibrationIn(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1)
    version = serializers.PrimaryKeyRelatedField(
        queryset=ScorecardVersion.objects.filter(state="published")
    )
    reviewers = serializers.PrimaryKeyRelatedField(queryset=people_only(), many=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_conversation(self, value: int):
        try:
            return reviews.conversations_for(self.context["user"]).get(pk=value)
        except Conversation.DoesNotExist:
            raise serializers.ValidationError("No such conversation.") from None


class ScoreIn(serializers.Serializer):
    answers = AnswerIn(many=True, required=False, default=list)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    submit = serializers.BooleanField(default=False)


class CalibrationOut(serializers.ModelSerializer):
    class Meta:
        model = CalibrationSession
        fields = [
            "id",
            "title",
            "conversation",
            "version",
            "started_by",
            "reviewers",
            "state",
            "created_at",
            "closed_at",
        ]


def _results(session: CalibrationSession) -> dict:
    r = calibration.results(session)
    return {
        "alpha": r.alpha,
        "reviewers": [p.pk for p in r.reviewers],
        "pending": [p.pk for p in r.pending],
        "scores": {str(k): v for k, v in r.scores.items()},
        "offsets": {str(k): v for k, v in r.offsets.items()},
        "criteria": [
            {
                "criterion": row.criterion.pk,
                "title": row.criterion.title,
                "values": {str(k): v for k, v in row.values.items()},
                "min": row.spread.low if row.spread else None,
                "max": row.spread.high if row.spread else None,
                "stdev": row.spread.stdev if row.spread else None,
            }
            for row in r.criteria
        ],
    }


class AlphaIn(serializers.Serializer):
    scorecard = serializers.IntegerField(min_value=1, required=False)


class CalibrationViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Sessions the caller takes part in or oversees. Results appear to a participant
    once they have submitted, to everyone once the session is closed (``results``: null
    until then)."""

    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = CalibrationSession.objects.none()
    serializer_class = CalibrationOut
    access = QUALITY_REVIEW
    access_by_action = {"create": QUALITY_MANAGE}

    def get_queryset(self):
        return (
            calibration.sessions_for(self.request.user)
            .prefetch_related("reviewers")
            .order_by("-id")
        )

    def _get(self, pk: str) -> CalibrationSession:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def retrieve(self, request: Request, pk: str) -> Response:
        session = self._get(pk)
        body = dict(CalibrationOut(session).data)
        body["results"] = (
            _results(session) if calibration.may_see_results(request.user, session) else None
        )
        return Response(body)

    @extend_schema(request=CalibrationIn, responses={201: CalibrationOut})
    def create(self, request: Request) -> Response:
        data = valid(CalibrationIn, request, context={"user": request.user})
        session = calibration.start_session(request.user, now=timezone.now(), **data)
        return Response(CalibrationOut(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScoreIn, responses={200: ReviewDetailOut})
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str) -> Response:
        session = self._get(pk)
        data = valid(ScoreIn, request)
        now = timezone.now()
        sheet = calibration.my_review(request.user, session, now=now)
        args = {"answers": answers_dict(data["answers"]), "comment": data.get("comment")}
        if data["submit"]:
            sheet = reviews.submit_review(request.user, sheet, now=now, **args)
        else:
            sheet = reviews.save_answers(request.user, sheet, **args)
        return Response(ReviewDetailOut(Review.objects.get(pk=sheet.pk)).data)

    @extend_schema(request=None, responses={200: CalibrationOut})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        session = self._get(pk)
        calibration.close_session(request.user, session, now=timezone.now())
        return self.retrieve(request, pk)

    @extend_schema(parameters=[AlphaIn], responses={200: dict})
    @action(detail=False, methods=["get"])
    def alpha(self, request: Request) -> Response:
        """Krippendorff's alpha pooled over the closed sessions the caller can see."""
        params = AlphaIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        sessions = self.get_queryset().filter(state="closed")
        if "scorecard" in params.validated_data:
            sessions = sessions.filter(version__scorecard_id=params.validated_data["scorecard"])
        return Response({"sessions": sessions.count(), "alpha": calibration.alpha_across(sessions)})


# --- coaching --------------------------------------------------------------------------------


class ItemIn(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    due = serializers.DateField()


class CoachingIn(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    reviews = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list)
    focus = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list)
    items = ItemIn(many=True, required=False, default=list)

    def validate(self, data: dict) -> dict:
        user = self.context["user"]
        try:
            data["person"] = access_person(user, data["person"])
        except Http404:
            raise serializers.ValidationError({"person": ["No such person."]}) from None
        found = list(reviews_for(user).filter(pk__in=data["reviews"]))
        if len(found) != len(set(data["reviews"])):
            raise serializers.ValidationError({"reviews": ["Unknown review."]})
        focus = list(Criterion.objects.filter(pk__in=data["focus"]))
        if len(focus) != len(set(data["focus"])):
            raise serializers.ValidationError({"focus": ["Unknown criterion."]})
        return data | {"reviews": found, "focus": focus}


class FollowUpItem(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    state = serializers.ChoiceField(choices=ActionItem.State.choices)


class FollowUpIn(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    items = FollowUpItem(many=True, required=False, default=list)


class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["id", "text", "due", "state"]


class CoachingOut(serializers.ModelSerializer):
    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "lead",
            "person",
            "date",
            "notes",
            "acknowledged_at",
            "follow_up_notes",
            "followed_up_at",
            "created_at",
        ]


class CoachingDetailOut(CoachingOut):
    items = ItemOut(many=True)
    reviews = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    focus = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    trend = serializers.SerializerMethodField()

    class Meta(CoachingOut.Meta):
        fields = [*CoachingOut.Meta.fields, "items", "reviews", "focus", "trend"]

    def get_trend(self, session: CoachingSession) -> dict:
        t = coaching.trend(session)
        return {
            "before": t.before,
            "before_reviews": t.before_n,
            "after": t.after,
            "after_reviews": t.after_n,
            "change": t.change,
        }


class CoachingViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = CoachingSession.objects.none()
    serializer_class = CoachingOut
    access = QUALITY_VIEW
    access_by_action = {"create": QUALITY_COACH, "items": QUALITY_COACH, "follow_up": QUALITY_COACH}

    def get_queryset(self):
        return coaching.sessions_for(self.request.user).order_by("-id")

    def _get(self, pk: str) -> CoachingSession:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CoachingDetailOut(self._get(pk)).data)

    @extend_schema(request=CoachingIn, responses={201: CoachingDetailOut})
    def create(self, request: Request) -> Response:
        data = valid(CoachingIn, request, context={"user": request.user})
        session = coaching.hold_session(
            request.user, on=data.pop("date"), now=timezone.now(), **data
        )
        return Response(CoachingDetailOut(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CoachingDetailOut})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        coaching.acknowledge(request.user, self._get(pk), now=timezone.now())
        return self.retrieve(request, pk)

    @extend_schema(request=ItemIn, responses={201: ItemOut})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str) -> Response:
        item = coaching.add_item(request.user, self._get(pk), **valid(ItemIn, request))
        return Response(ItemOut(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpIn, responses={200: CoachingDetailOut})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: Request, pk: str) -> Response:
        data = valid(FollowUpIn, request)
        coaching.follow_up(
            request.user,
            self._get(pk),
            notes=data["notes"],
            states={i["id"]: i["state"] for i in data["items"]},
            now=timezone.now(),
        )
        return self.retrieve(request, pk)
