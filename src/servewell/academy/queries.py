"""Reads shared by the academy's screens and its API (``select_related`` inside)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from servewell.academy import cohorts as cohort_rules
from servewell.academy.models import (
    Cohort,
    Course,
    CourseVersion,
    Endorsement,
    Enrolment,
    Lesson,
    QuizAttempt,
    TeachBack,
    TrainingEdge,
)
from servewell.people.models import User

WINDOW = dt.timedelta(days=90)


def list_courses() -> QuerySet[Course]:
    return Course.objects.annotate(
        published=Count("versions", filter=Q(versions__state="published")),
        drafts=Count("versions", filter=Q(versions__state="draft")),
    ).order_by("title")


def published_versions() -> QuerySet[CourseVersion]:
    """The latest published version of each course: what a new cohort follows."""
    newer = CourseVersion.objects.filter(
        course=OuterRef("course"), state="published", number__gt=OuterRef("number")
    )
    return (
        CourseVersion.objects.filter(state="published")
        .exclude(Exists(newer))
        .select_related("course")
        .order_by("course__title")
    )


def version_lessons(version: CourseVersion) -> QuerySet[Lesson]:
    return version.lessons.prefetch_related("reflections", "questions__choices", "stories")


def list_cohorts(qs: QuerySet[Cohort]) -> QuerySet[Cohort]:
    return qs.select_related("version__course", "trainer").annotate(
        learners=Count("enrolments", distinct=True),
        graduates=Count(
            "enrolments", filter=Q(enrolments__completed_at__isnull=False), distinct=True
        ),
    )


def enrolment_of(cohort: Cohort, user: User) -> Enrolment | None:
    return (
        cohort.enrolments.select_related("cohort__trainer", "learner").filter(learner=user).first()
    )


def learner_rows(cohort: Cohort) -> list[dict[str, Any]]:
    """Each learner with attendance, quizzes passed and teach-back state, in 4 queries."""
    enrolments = list(
        cohort.enrolments.select_related("learner", "teachback").annotate(
            sessions=Count("attendance", distinct=True),
            present=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        )
    )
    quizzes = cohort.version.lessons.filter(pass_mark__isnull=False).count()
    passed = dict(
        QuizAttempt.objects.filter(enrolment__cohort=cohort, passed=True)
        .values("enrolment_id")
        .annotate(n=Count("lesson", distinct=True))
        .values_list("enrolment_id", "n")
    )
    return [
        {
            "enrolment": e,
            "learner": e.learner,
            "attendance": round(100 * e.present / e.sessions) if e.sessions else None,
            "quizzes": f"{passed.get(e.pk, 0)}/{quizzes}",
            "teachback": e.teachback,
            "completed": e.completed_at,
        }
        for e in enrolments
    ]


def teachbacks_of(cohort: Cohort) -> QuerySet[TeachBack]:
    return (
        TeachBack.objects.filter(enrolment__cohort=cohort, filed_at__isnull=False)
        .select_related("enrolment__learner")
        .annotate(comment_count=Count("comments"))
        .order_by("-filed_at")
    )


def lesson_state(enrolment: Enrolment, lesson: Lesson) -> dict[str, Any]:
    attempts = list(QuizAttempt.objects.filter(enrolment=enrolment, lesson=lesson))
    answers = dict(
        enrolment.answers.filter(reflection__lesson=lesson).values_list("reflection_id", "text")
    )
    return {
        "attempts": attempts,
        "passed": any(a.passed for a in attempts),
        "left": cohort_rules.attempts_left(enrolment, lesson) if lesson.has_quiz else 0,
        "answers": answers,
        "done": enrolment.progress.filter(lesson=lesson).exists(),
    }


def person_learning(person: User) -> dict[str, Any]:
    """A person's courses, completions and teach-backs (for their page)."""
    enrolments = list(
        Enrolment.objects.filter(learner=person)
        .select_related("cohort__version__course", "teachback")
        .order_by("-enrolled_at")
    )
    return {
        "enrolments": enrolments,
        "completed": sum(e.completed_at is not None for e in enrolments),
        "reached": sum(
            (e.teachback.people_reached or 0) for e in enrolments if hasattr(e, "teachback")
        ),
        "endorsement": Endorsement.objects.filter(trainee=person)
        .select_related("endorser")
        .first(),
        "trained": TrainingEdge.objects.filter(trainer=person).count(),
    }


def cohort_report(cohort: Cohort, people: QuerySet[User] | None = None) -> list[dict[str, Any]]:
    """Each learner's quality score (IQS) in the 90 days before the cohort started and the
    90 days after they completed it (or after the cohort finished)."""
    from servewell.quality.queries import iqs_between

    enrolments = cohort.enrolments.select_related("learner")
    if people is not None:
        enrolments = enrolments.filter(learner__in=people)
    enrolments = list(enrolments)
    ids = [e.learner_id for e in enrolments]
    start = cohort.created_at
    end = cohort.finished_at or start
    before = iqs_between(ids, start=start - WINDOW, end=start)
    rows = []
    after_cache: dict[Any, dict] = {}
    for e in enrolments:
        done = e.completed_at or end
        if done not in after_cache:
            after_cache[done] = iqs_between(ids, start=done, end=done + WINDOW)
        b, a = before.get(e.learner_id), after_cache[done].get(e.learner_id)
        rows.append(
            {
                "person": e.learner_id,
                "name": str(e.learner),
                "completed": e.completed_at,
                "before": b["iqs"] if b else None,
                "before_reviews": b["reviews"] if b else 0,
                "after": a["iqs"] if a else None,
                "after_reviews": a["reviews"] if a else 0,
                "change": round(a["iqs"] - b["iqs"], 2) if a and b else None,
            }
        )
    return rows


def total_reached() -> int:
    return (
        TeachBack.objects.filter(filed_at__isnull=False).aggregate(n=Sum("people_reached"))["n"]
        or 0
    )
