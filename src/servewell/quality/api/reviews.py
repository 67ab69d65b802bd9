"""Reviews, disputes and the review queue through the API."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.core.access import can
from servewell.core.ids import parse_id
from servewell.desk.models import Conversation
from servewell.people.access import scope_to_teams
from servewell.people.models import User
from servewell.quality import disputes, reviews
from servewell.quality.access import (
    QUALITY_MANAGE,
    QUALITY_REVIEW,
    QUALITY_VIEW,
    access_review,
    reviews_for,
)
from servewell.quality.api.common import AnswerIn, ReviewDetailOut, ReviewOut, answers_dict, valid
from servewell.quality.models import (
    Dispute,
    DisputeEvent,
    Review,
    ReviewAssignment,
    ScorecardVersion,
)


class ReviewIn(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1)
    version = serializers.IntegerField(min_value=1)
    reviewee = serializers.IntegerField(min_value=1, required=False)

    def validate(self, data: dict) -> dict:
        user = self.context["user"]
        try:
            data["conversation"] = reviews.conversations_for(user).get(pk=data["conversation"])
        except Conversation.DoesNotExist:
            raise serializers.ValidationError({"conversation": ["No such conversation."]}) from None
        version = ScorecardVersion.objects.filter(pk=data["version"], state="published").first()
        if version is None:
            raise serializers.ValidationError({"version": ["No such published version."]})
        data["version"] = version
        if "reviewee" in data:
            person = User.objects.filter(pk=data["reviewee"], is_active=True).first()
            if person is None:
                raise serializers.ValidationError({"reviewee": ["No such person."]})
            data["reviewee"] = person
        return data


class AnswersIn(serializers.Serializer):
    answers = AnswerIn(many=True, required=False, default=list)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class DisputeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ResolveIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[disputes.UPHOLD, disputes.CHANGE])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    answers = AnswerIn(many=True, required=False, default=list)


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = DisputeEvent
        fields = ["kind", "actor", "note", "data", "at"]


class DisputeOut(serializers.ModelSerializer):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "review",
            "raised_by",
            "reason",
            "state",
            "opened_at",
            "resolved_by",
            "resolved_at",
            "resolution",
        ]


class DisputeDetailOut(DisputeOut):
    events = EventOut(many=True)

    class Meta(DisputeOut.Meta):
        fields = [*DisputeOut.Meta.fields, "events"]


class AssignmentOut(serializers.ModelSerializer):
    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "run",
            "conversation",
            "reviewee",
            "reviewer",
            "version",
            "state",
            "review",
            "created_at",
            "done_at",
        ]


def _detail(review: Review, code: int = status.HTTP_200_OK) -> Response:
    return Response(ReviewDetailOut(review).data, status=code)


class ReviewViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Reviews the caller may read. Anyone may self-review; reviewers review others."""

    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = Review.objects.none()
    serializer_class = ReviewOut
    access = QUALITY_VIEW
    filterset_fields = {"reviewee": ["exact"], "reviewer": ["exact"], "state": ["exact"]}

    def get_queryset(self):
        return reviews_for(self.request.user).order_by("-id")

    def retrieve(self, request: Request, pk: str) -> Response:
        return _detail(access_review(request.user, pk))

    @extend_schema(request=ReviewIn, responses={201: ReviewDetailOut})
    def create(self, request: Request) -> Response:
        data = valid(ReviewIn, request, context={"user": request.user})
        review = reviews.start_review(request.user, now=timezone.now(), **data)
        return _detail(review, status.HTTP_201_CREATED)

    @extend_schema(request=AnswersIn, responses={200: ReviewDetailOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        review = access_review(request.user, pk)
        data = valid(AnswersIn, request)
        reviews.save_answers(
            request.user, review, answers=answers_dict(data["answers"]), comment=data.get("comment")
        )
        return _detail(access_review(request.user, pk))

    @extend_schema(request=AnswersIn, responses={200: ReviewDetailOut})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        review = access_review(request.user, pk)
        data = valid(AnswersIn, request)
        reviews.submit_review(
            request.user,
            review,
            now=timezone.now(),
            answers=answers_dict(data["answers"]),
            comment=data.get("comment"),
        )
        return _detail(access_review(request.user, pk))

    @extend_schema(request=DisputeIn, responses={201: DisputeDetailOut})
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str) -> Response:
        review = access_review(request.user, pk)
        data = valid(DisputeIn, request)
        made = disputes.open_dispute(
            request.user, review, reason=data["reason"], now=timezone.now()
        )
        return Response(DisputeDetailOut(made).data, status=status.HTTP_201_CREATED)


class DisputeViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = Dispute.objects.none()
    serializer_class = DisputeOut
    access = QUALITY_VIEW
    filterset_fields = {"state": ["exact"]}

    def get_queryset(self):
        return disputes.disputes_for(self.request.user).order_by("-id")

    def retrieve(self, request: Request, pk: str) -> Response:
        dispute = get_object_or_404(self.get_queryset().prefetch_related("events"), pk=pk)
        return Response(DisputeDetailOut(dispute).data)

    @extend_schema(request=ResolveIn, responses={200: DisputeDetailOut})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        dispute = get_object_or_404(self.get_queryset(), pk=pk)
        data = valid(ResolveIn, request)
        disputes.resolve_dispute(
            request.user,
            dispute,
            decision=data["decision"],
            note=data["note"],
            answers=answers_dict(data["answers"]) or None,
            now=timezone.now(),
        )
        return self.retrieve(request, pk)


class AssignmentViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The caller's review queue (quality managers may look at anyone's: ``?reviewer=``)."""

    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = ReviewAssignment.objects.none()
    serializer_class = AssignmentOut
    access = QUALITY_REVIEW
    filterset_fields = {"state": ["exact"]}

    def get_queryset(self):
        user = self.request.user
        reviewer = self.request.query_params.get("reviewer", "")
        if reviewer and can(user, QUALITY_MANAGE):
            if (reviewer_id := parse_id(reviewer)) is None:
                raise serializers.ValidationError({"reviewer": ["A person id."]})
            theirs = ReviewAssignment.objects.filter(reviewer_id=reviewer_id)
            return scope_to_teams(theirs, user, field="conversation__team").order_by("-id")
        return ReviewAssignment.objects.filter(reviewer=user).order_by("-id")

    @extend_schema(request=None, responses={201: ReviewDetailOut})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        assignment = get_object_or_404(
            ReviewAssignment.objects.select_related("conversation", "reviewee", "version"),
            pk=pk,
            reviewer=request.user,
        )
        if assignment.review_id:
            return _detail(access_review(request.user, assignment.review_id))
        review = reviews.start_review(
            request.user,
            assignment.conversation,
            version=assignment.version,
            reviewee=assignment.reviewee,
            assignment=assignment,
            now=timezone.now(),
        )
        return _detail(review, status.HTTP_201_CREATED)
