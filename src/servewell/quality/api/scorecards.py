"""Scorecards API: read for everyone (reviews are about them), write for quality managers."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.quality import queries, scorecards
from servewell.quality.access import QUALITY_MANAGE, QUALITY_VIEW
from servewell.quality.api.common import valid
from servewell.quality.models import Criterion, Scale, Scorecard, ScorecardVersion, Section


class CriterionIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight = serializers.IntegerField(min_value=0, max_value=100, default=1)
    scale = serializers.ChoiceField(choices=Scale.choices, default=Scale.YES_NO)
    na_allowed = serializers.BooleanField(default=False)
    critical = serializers.BooleanField(default=False)


class CriterionPatch(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    weight = serializers.IntegerField(min_value=0, max_value=100, required=False)
    scale = serializers.ChoiceField(choices=Scale.choices, required=False)
    na_allowed = serializers.BooleanField(required=False)
    critical = serializers.BooleanField(required=False)


class SectionIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    criteria = CriterionIn(many=True, required=False, default=list)


class ScorecardIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    sections = SectionIn(many=True, required=False, default=list)
    publish = serializers.BooleanField(default=False)


class CriterionOut(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "key", "title", "description", "weight", "scale", "na_allowed", "critical"]


class SectionOut(serializers.ModelSerializer):
    criteria = CriterionOut(many=True)

    class Meta:
        model = Section
        fields = ["id", "title", "position", "criteria"]


class VersionOut(serializers.ModelSerializer):
    sections = SectionOut(many=True)

    class Meta:
        model = ScorecardVersion
        fields = ["id", "scorecard", "number", "state", "published_at", "sections"]


class VersionSummary(serializers.ModelSerializer):
    class Meta:
        model = ScorecardVersion
        fields = ["id", "number", "state", "published_at"]


class ScorecardOut(serializers.ModelSerializer):
    versions = VersionSummary(many=True)

    class Meta:
        model = Scorecard
        fields = ["id", "name", "description", "is_archived", "created_at", "versions"]


def _version(pk: int) -> dict:
    return VersionOut(queries.version_detail(pk)).data


class ScorecardViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = ScorecardOut
    access = QUALITY_VIEW
    access_by_action = {"create": QUALITY_MANAGE, "draft": QUALITY_MANAGE}

    def get_queryset(self):
        return Scorecard.objects.prefetch_related("versions").order_by("id")

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ScorecardOut(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=ScorecardIn, responses={201: ScorecardOut})
    def create(self, request: Request) -> Response:
        data = valid(ScorecardIn, request)
        publish = data.pop("publish")
        now = timezone.now()
        card = scorecards.create_scorecard(request.user, now=now, **data)
        if publish:
            scorecards.publish(request.user, scorecards.draft_of(card), now=now)
        return self.retrieve_created(card)

    def retrieve_created(self, card: Scorecard) -> Response:
        card = self.get_queryset().get(pk=card.pk)
        return Response(ScorecardOut(card).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: VersionOut})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str) -> Response:
        card = get_object_or_404(Scorecard, pk=pk)
        draft = scorecards.start_draft(request.user, card, now=timezone.now())
        return Response(_version(draft.pk), status=status.HTTP_201_CREATED)


class VersionViewSet(viewsets.GenericViewSet):
    serializer_class = VersionOut
    access = QUALITY_VIEW
    access_by_action = {"publish": QUALITY_MANAGE, "sections": QUALITY_MANAGE}

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_version(get_object_or_404(ScorecardVersion, pk=pk).pk))

    @extend_schema(request=None, responses={200: VersionOut})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        version = get_object_or_404(ScorecardVersion, pk=pk)
        scorecards.publish(request.user, version, now=timezone.now())
        return Response(_version(version.pk))

    @extend_schema(request=SectionIn, responses={201: VersionOut})
    @action(detail=True, methods=["post"])
    def sections(self, request: Request, pk: str) -> Response:
        version = get_object_or_404(ScorecardVersion, pk=pk)
        data = valid(SectionIn, request)
        section = scorecards.add_section(request.user, version, title=data["title"])
        for criterion in data["criteria"]:
            scorecards.add_criterion(request.user, section, **criterion)
        return Response(_version(version.pk), status=status.HTTP_201_CREATED)


class SectionViewSet(viewsets.GenericViewSet):
    serializer_class = SectionOut
    access = QUALITY_MANAGE

    def _get(self, pk: str) -> Section:
        return get_object_or_404(Section.objects.select_related("version"), pk=pk)

    @extend_schema(request=SectionIn, responses={200: VersionOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        section = self._get(pk)
        data = valid(SectionIn, request)
        scorecards.rename_section(request.user, section, title=data["title"])
        return Response(_version(section.version_id))

    def destroy(self, request: Request, pk: str) -> Response:
        scorecards.remove_section(request.user, self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CriterionIn, responses={201: CriterionOut})
    @action(detail=True, methods=["post"])
    def criteria(self, request: Request, pk: str) -> Response:
        section = self._get(pk)
        made = scorecards.add_criterion(request.user, section, **valid(CriterionIn, request))
        return Response(CriterionOut(made).data, status=status.HTTP_201_CREATED)


class CriterionViewSet(viewsets.GenericViewSet):
    serializer_class = CriterionOut
    access = QUALITY_MANAGE

    def _get(self, pk: str) -> Criterion:
        return get_object_or_404(Criterion.objects.select_related("version"), pk=pk)

    @extend_schema(request=CriterionPatch, responses={200: CriterionOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        criterion = self._get(pk)
        data = valid(CriterionPatch, request)
        return Response(
            CriterionOut(scorecards.update_criterion(request.user, criterion, **data)).data
        )

    def destroy(self, request: Request, pk: str) -> Response:
        scorecards.remove_criterion(request.user, self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
