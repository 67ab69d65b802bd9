"""Academy API: courses and lessons (trainers), cohorts, learning, teach-back, cascade."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.academy import book, cascade, cohorts, courses, queries, teachback
from servewell.academy.access import (
    ACADEMY_LEARN,
    ACADEMY_REPORTS,
    ACADEMY_TEACH,
    access_cohort,
    access_teachback,
    cohorts_for,
    enrollable_people,
    enrollable_team,
)
from servewell.academy.api import serializers as s
from servewell.academy.models import Cohort, Course, CourseVersion, Lesson, Session, TeachBack
from servewell.core.access import Forbidden, can
from servewell.core.api import validated
from servewell.people.access import visible_people
from servewell.people.models import User


def _version(pk: int) -> dict:
    version = CourseVersion.objects.prefetch_related(
        "lessons__reflections", "lessons__questions__choices", "lessons__stories"
    ).get(pk=pk)
    return s.AcademyVersionOut(version).data


class CourseViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = s.AcademyCourseOut
    access = ACADEMY_TEACH

    def get_queryset(self):
        return Course.objects.prefetch_related("versions").order_by("id")

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(s.AcademyCourseOut(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=s.AcademyCourseIn, responses={201: s.AcademyCourseOut})
    def create(self, request: Request) -> Response:
        course = courses.create_course(
            request.user, now=timezone.now(), **validated(s.AcademyCourseIn, request.data)
        )
        return Response(s.AcademyCourseOut(self.get_queryset().get(pk=course.pk)).data, status=201)

    @extend_schema(request=None, responses={201: s.AcademyVersionOut})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: int) -> Response:
        draft = courses.start_draft(
            request.user, get_object_or_404(Course, pk=pk), now=timezone.now()
        )
        return Response(_version(draft.pk), status=201)


class VersionViewSet(viewsets.GenericViewSet):
    serializer_class = s.AcademyVersionOut
    access = ACADEMY_TEACH
    access_by_action = {"book": ACADEMY_LEARN}
    queryset = CourseVersion.objects.all()

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(_version(get_object_or_404(CourseVersion, pk=pk).pk))

    @extend_schema(request=s.AcademyLessonIn, responses={201: s.AcademyLessonOut})
    @action(detail=True, methods=["post"])
    def lessons(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(CourseVersion, pk=pk)
        lesson = courses.add_lesson(
            request.user, version, **validated(s.AcademyLessonIn, request.data)
        )
        return Response(s.AcademyLessonOut(lesson).data, status=201)

    @extend_schema(request=s.AcademyPublishIn, responses={200: s.AcademyVersionOut})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(CourseVersion, pk=pk)
        data = validated(s.AcademyPublishIn, request.data)
        if "community_title" in data:
            courses.set_community_title(request.user, version, title=data["community_title"])
        courses.publish(request.user, version, now=timezone.now())
        return Response(_version(version.pk))

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def book(self, request: Request, pk: int) -> HttpResponse:
        version = get_object_or_404(CourseVersion, pk=pk)
        if version.is_draft and not can(request.user, ACADEMY_TEACH):
            raise Http404("No such course book.")
        return HttpResponse(book.book_pdf(version), content_type="application/pdf")


class LessonViewSet(viewsets.GenericViewSet):
    serializer_class = s.AcademyLessonOut
    access = ACADEMY_TEACH
    access_by_action = {"quiz": ACADEMY_LEARN, "reflections": ACADEMY_LEARN}
    queryset = Lesson.objects.all()

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(s.AcademyLessonOut(get_object_or_404(Lesson, pk=pk)).data)

    @extend_schema(request=s.AcademyLessonPatch, responses={200: s.AcademyLessonOut})
    def partial_update(self, request: Request, pk: int) -> Response:
        lesson = get_object_or_404(Lesson.objects.select_related("version"), pk=pk)
        lesson = courses.update_lesson(
            request.user, lesson, **validated(s.AcademyLessonPatch, request.data)
        )
        return Response(s.AcademyLessonOut(lesson).data)

    @extend_schema(request=s.AcademyQuestionIn, responses={201: s.AcademyQuestionOut})
    @action(detail=True, methods=["post"])
    def questions(self, request: Request, pk: int) -> Response:
        lesson = get_object_or_404(Lesson.objects.select_related("version"), pk=pk)
        question = courses.add_question(
            request.user, lesson, **validated(s.AcademyQuestionIn, request.data)
        )
        return Response(s.AcademyQuestionOut(question).data, status=201)

    def _enrolled(self, request: Request, pk: int, cohort_id: int):
        cohort = access_cohort(request.user, cohort_id)
        enrolment = queries.enrolment_of(cohort, request.user)
        lesson = cohort.version.lessons.filter(pk=pk).first()
        if enrolment is None or lesson is None:
            raise Http404("You are not enrolled in this cohort, or it has no such lesson.")
        return enrolment, lesson

    @extend_schema(request=s.AcademyQuizIn, responses={201: s.AcademyAttemptOut})
    @action(detail=True, methods=["post"])
    def quiz(self, request: Request, pk: int) -> Response:
        data = validated(s.AcademyQuizIn, request.data)
        enrolment, lesson = self._enrolled(request, pk, data["cohort"])
        chosen = {a["question"]: a["choices"] for a in data["answers"]}
        attempt = cohorts.take_quiz(enrolment, lesson, chosen, now=timezone.now())
        return Response(s.AcademyAttemptOut(attempt).data, status=201)

    @extend_schema(request=s.AcademyReflectionsIn, responses={200: s.AcademyCountOut})
    @action(detail=True, methods=["post"])
    def reflections(self, request: Request, pk: int) -> Response:
        data = validated(s.AcademyReflectionsIn, request.data)
        enrolment, lesson = self._enrolled(request, pk, data["cohort"])
        answers = {a["reflection"]: a["text"] for a in data["answers"]}
        saved = cohorts.answer_reflections(enrolment, lesson, answers, now=timezone.now())
        return Response({"count": saved})


class CohortViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = s.AcademyCohortOut
    access = ACADEMY_LEARN
    access_by_action = {
        "create": ACADEMY_TEACH, "enrol": ACADEMY_TEACH, "sessions": ACADEMY_TEACH,
        "finish": ACADEMY_TEACH, "report": ACADEMY_REPORTS,
    }  # fmt: skip

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cohort.objects.none()
        return cohorts_for(self.request.user).order_by("-id")

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(s.AcademyCohortOut(access_cohort(request.user, pk)).data)

    @extend_schema(request=s.AcademyCohortIn, responses={201: s.AcademyCohortOut})
    def create(self, request: Request) -> Response:
        data = validated(s.AcademyCohortIn, request.data)
        version = CourseVersion.objects.filter(pk=data.pop("version")).first()
        if version is None:
            raise serializers.ValidationError({"version": ["No such course version."]})
        cohort = cohorts.create_cohort(
            request.user, version=version, trainer=request.user, now=timezone.now(), **data
        )
        return Response(s.AcademyCohortOut(cohort).data, status=201)

    @extend_schema(request=s.AcademyEnrolIn, responses={200: s.AcademyEnrolOut})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, pk: int) -> Response:
        cohort = access_cohort(request.user, pk, manage=True)
        data = validated(s.AcademyEnrolIn, request.data)
        now = timezone.now()
        added = []
        if data.get("team"):
            team = enrollable_team(request.user, data["team"])
            added += cohorts.enrol_team(request.user, cohort, team, now=now)
        if data["people"]:
            people = enrollable_people(request.user).filter(pk__in=data["people"])
            added += cohorts.enrol(request.user, cohort, people, now=now)
        return Response({"enrolled": len(added)})

    @extend_schema(request=s.AcademySessionIn, responses={201: s.AcademySessionOut})
    @action(detail=True, methods=["post"])
    def sessions(self, request: Request, pk: int) -> Response:
        cohort = access_cohort(request.user, pk, manage=True)
        made = cohorts.add_session(
            request.user, cohort, **validated(s.AcademySessionIn, request.data)
        )
        return Response(s.AcademySessionOut(made).data, status=201)

    @extend_schema(request=None, responses={200: s.AcademyCountOut})
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: int) -> Response:
        cohort = access_cohort(request.user, pk, manage=True)
        return Response({"count": cohorts.finish_cohort(request.user, cohort, now=timezone.now())})

    @extend_schema(responses={200: s.AcademyReportRowOut(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # one cohort's rows, whole
    def report(self, request: Request, pk: int) -> Response:
        cohort = access_cohort(request.user, pk)
        rows = queries.cohort_report(cohort, visible_people(request.user))
        return Response(s.AcademyReportRowOut(rows, many=True).data)


class SessionViewSet(viewsets.GenericViewSet):
    serializer_class = s.AcademySessionOut
    access = ACADEMY_TEACH
    queryset = Session.objects.all()

    @extend_schema(request=s.AcademyAttendanceIn, responses={200: s.AcademyCountOut})
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(Session, pk=pk)
        access_cohort(request.user, session.cohort_id, manage=True)
        present = validated(s.AcademyAttendanceIn, request.data)["present"]
        count = cohorts.take_attendance(request.user, session, present=present, now=timezone.now())
        return Response({"count": count})


class TeachBackViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    serializer_class = s.AcademyTeachBackOut
    access = ACADEMY_LEARN
    access_by_action = {"acknowledge": ACADEMY_TEACH, "endorse": ACADEMY_TEACH}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TeachBack.objects.none()
        cohorts_seen = cohorts_for(self.request.user).values("pk")
        return (
            TeachBack.objects.filter(enrolment__cohort__in=cohorts_seen)
            .select_related("enrolment")
            .prefetch_related("comments")
            .order_by("-id")
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(s.AcademyTeachBackOut(access_teachback(request.user, pk)).data)

    @extend_schema(request=s.AcademyTeachBackIn, responses={200: s.AcademyTeachBackOut})
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: int) -> Response:
        tb = access_teachback(request.user, pk)
        if tb.enrolment.learner_id != request.user.pk:
            raise Forbidden("Only the learner files their teach-back.")
        teachback.file_report(
            request.user, tb, now=timezone.now(), **validated(s.AcademyTeachBackIn, request.data)
        )
        return Response(s.AcademyTeachBackOut(tb).data)

    @extend_schema(request=s.AcademyCommentIn, responses={201: s.AcademyCommentOut})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: int) -> Response:
        tb = access_teachback(request.user, pk)
        made = teachback.comment(
            request.user,
            tb,
            body=validated(s.AcademyCommentIn, request.data)["body"],
            now=timezone.now(),
        )
        return Response(s.AcademyCommentOut(made).data, status=201)

    @extend_schema(request=None, responses={200: s.AcademyTeachBackOut})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: int) -> Response:
        tb = teachback.acknowledge(
            request.user, access_teachback(request.user, pk), now=timezone.now()
        )
        return Response(s.AcademyTeachBackOut(tb).data)

    @extend_schema(request=s.AcademyEndorseIn, responses={201: s.AcademyEndorsementOut})
    @action(detail=True, methods=["post"])
    def endorse(self, request: Request, pk: int) -> Response:
        tb = access_teachback(request.user, pk)
        made = cascade.endorse(
            request.user, tb.enrolment.learner, teachback=tb, now=timezone.now(),
            **validated(s.AcademyEndorseIn, request.data),
        )  # fmt: skip
        return Response(s.AcademyEndorsementOut(made).data, status=status.HTTP_201_CREATED)


class CascadeViewSet(viewsets.GenericViewSet):
    """The reach of a person's subtree of the cascade."""

    serializer_class = s.AcademyReachOut
    access = ACADEMY_LEARN
    queryset = User.objects.none()

    @extend_schema(responses={200: s.AcademyReachOut})
    def retrieve(self, request: Request, pk: int) -> Response:
        person = get_object_or_404(User, pk=pk)
        reach = cascade.get_reach(person.pk)
        return Response(
            {
                "person": person.pk, **reach.__dict__,
                "by_generation": [list(g) for g in cascade.list_generations(person.pk)],
            }
        )  # fmt: skip
