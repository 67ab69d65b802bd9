"""Cohorts: enrolment, sessions and attendance, learners' progress, quizzes, completion.

Completion is checked whenever something it depends on changes (attendance taken, a quiz
passed, a teach-back filed), so a learner graduates the moment they meet the cohort's
rule; graduating adds the trainer → graduate edge of the cascade. Quiz attempts are
counted and limited here, on the server, whatever the page offered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from servewell.academy import cascade
from servewell.academy.models import (
    Attendance,
    Cohort,
    CourseVersion,
    Enrolment,
    Lesson,
    Progress,
    QuizAttempt,
    Reflection,
    ReflectionAnswer,
    Session,
    TeachBack,
)
from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.people.models import Team, User

LEARNER_GRADUATED = events.declare(
    "academy.learner.graduated", "A learner met their cohort's completion rule."
)


def create_cohort(
    actor: Any,
    *,
    name: str,
    version: CourseVersion,
    trainer: User,
    teachback_due: dt.date,
    now: datetime,
    min_attendance: int = 75,
    require_quiz: bool = True,
    require_teachback: bool = True,
) -> Cohort:
    name = " ".join(str(name or "").split())
    if not name or len(name) > 200:
        raise DomainError("invalid", "A name of 1-200 characters.", field="name")
    if version.state != CourseVersion.State.PUBLISHED:
        raise DomainError("invalid", "A cohort follows a published version.", field="version")
    if isinstance(min_attendance, bool) or not 0 <= int(min_attendance) <= 100:
        raise DomainError("invalid", "Attendance is 0-100 percent.", field="min_attendance")
    if teachback_due < now.date():
        raise DomainError("invalid", "The teach-back is due in the future.", field="teachback_due")
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=name,
            version=version,
            trainer=trainer,
            teachback_due=teachback_due,
            created_at=now,
            min_attendance=int(min_attendance),
            require_quiz=bool(require_quiz),
            require_teachback=bool(require_teachback),
        )
        audit.record(actor, "academy.cohort.created", cohort, after={"name": name})
    return cohort


def _open(cohort: Cohort) -> None:
    if cohort.finished_at is not None:
        raise DomainError("conflict", "This cohort has finished.")


def enrol(actor: Any, cohort: Cohort, people: Iterable[User], *, now: datetime) -> list[Enrolment]:
    """Enrol people (already enrolled ones are skipped); each gets a teach-back assignment.
    The trainer is never their own learner."""
    _open(cohort)
    people = list(people)
    with transaction.atomic():
        have = set(cohort.enrolments.values_list("learner_id", flat=True))
        for person in people:
            if person.pk not in have and cascade.is_below(cohort.trainer_id, person.pk):
                raise DomainError(
                    "conflict",
                    f"{person} trained {cohort.trainer} (directly or through others): "
                    "the cascade cannot loop back.",
                )
        new = [
            Enrolment(cohort=cohort, learner=p, enrolled_at=now)
            for p in {p.pk: p for p in people}.values()
            if p.pk not in have and p.pk != cohort.trainer_id and p.is_active
        ]
        for enrolment in new:
            enrolment.save()
            TeachBack.objects.create(enrolment=enrolment, due_on=cohort.teachback_due)
        if new:
            audit.record(actor, "academy.cohort.enrolled", cohort, after={"learners": len(new)})
    return new


def enrol_team(actor: Any, cohort: Cohort, team: Team, *, now: datetime) -> list[Enrolment]:
    return enrol(actor, cohort, team.members.filter(is_active=True), now=now)


def add_session(actor: Any, cohort: Cohort, *, starts_at: datetime, topic: str = "") -> Session:
    _open(cohort)
    return Session.objects.create(cohort=cohort, starts_at=starts_at, topic=str(topic)[:200])


def take_attendance(actor: Any, session: Session, *, present: Iterable[int], now: datetime) -> int:
    """Everyone enrolled is marked present or absent (ids not enrolled are ignored)."""
    present_ids = set(present)
    with transaction.atomic():
        enrolments = list(session.cohort.enrolments.all())
        Attendance.objects.filter(session=session).delete()
        Attendance.objects.bulk_create(
            Attendance(session=session, enrolment=e, present=e.learner_id in present_ids)
            for e in enrolments
        )
        for enrolment in enrolments:
            refresh_completion(enrolment, now=now)
    return sum(e.learner_id in present_ids for e in enrolments)


def _lesson_of(enrolment: Enrolment, lesson: Lesson) -> None:
    if lesson.version_id != enrolment.cohort.version_id:
        raise DomainError("invalid", "This lesson is not part of the cohort's course.")


def mark_done(enrolment: Enrolment, lesson: Lesson, *, now: datetime) -> None:
    _lesson_of(enrolment, lesson)
    Progress.objects.get_or_create(enrolment=enrolment, lesson=lesson, defaults={"done_at": now})


def answer_reflections(
    enrolment: Enrolment, lesson: Lesson, answers: Mapping[int, str], *, now: datetime
) -> int:
    """Answers by reflection id; an empty answer removes the earlier one."""
    _lesson_of(enrolment, lesson)
    known = {r.pk for r in Reflection.objects.filter(lesson=lesson)}
    with transaction.atomic():
        saved = 0
        for pk, text in answers.items():
            if pk not in known:
                raise DomainError("invalid", "No such reflection question in this lesson.")
            text = str(text or "").strip()[:10_000]
            if not text:
                enrolment.answers.filter(reflection_id=pk).delete()
                continue
            ReflectionAnswer.objects.update_or_create(
                enrolment=enrolment, reflection_id=pk, defaults={"text": text, "answered_at": now}
            )
            saved += 1
        mark_done(enrolment, lesson, now=now)
    return saved


def attempts_left(enrolment: Enrolment, lesson: Lesson) -> int:
    used = QuizAttempt.objects.filter(enrolment=enrolment, lesson=lesson).count()
    return max(lesson.max_attempts - used, 0)


def take_quiz(
    enrolment: Enrolment, lesson: Lesson, chosen: Mapping[int, Iterable[int]], *, now: datetime
) -> QuizAttempt:
    """Score one attempt. ``chosen``: question id -> choice ids. A question is right when
    exactly its right choices are chosen. Refused once the attempts are used or passed."""
    _lesson_of(enrolment, lesson)
    if not lesson.has_quiz:
        raise DomainError("invalid", "This lesson has no quiz.")
    if enrolment.cohort.finished_at is not None:
        raise DomainError("conflict", "This cohort has finished.")
    with transaction.atomic():
        Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        attempts = list(QuizAttempt.objects.filter(enrolment=enrolment, lesson=lesson))
        if any(a.passed for a in attempts):
            raise DomainError("conflict", "You have passed this quiz already.")
        if len(attempts) >= lesson.max_attempts:
            raise DomainError("conflict", "No attempts left for this quiz.")
        questions = list(lesson.questions.prefetch_related("choices"))
        right, answers = 0, {}
        for question in questions:
            valid = {c.pk for c in question.choices.all()}
            picked = {int(c) for c in chosen.get(question.pk, ()) if int(c) in valid}
            if question.kind == "single" and len(picked) > 1:
                raise DomainError("invalid", "Pick one answer for a single-choice question.")
            answers[str(question.pk)] = sorted(picked)
            right += picked == {c.pk for c in question.choices.all() if c.correct}
        score = 100.0 * right / len(questions) if questions else 0.0
        attempt = QuizAttempt.objects.create(
            enrolment=enrolment,
            lesson=lesson,
            number=len(attempts) + 1,
            score=round(score, 2),
            passed=score >= lesson.pass_mark,
            answers=answers,
            taken_at=now,
        )
        if attempt.passed:
            mark_done(enrolment, lesson, now=now)
            refresh_completion(enrolment, now=now)
    return attempt


def attendance_share(enrolment: Enrolment) -> float:
    """Share of the cohort's sessions attended so far (attendance taken); 1 with none."""
    row = Attendance.objects.filter(enrolment=enrolment).aggregate(
        n=Count("id"), present=Count("id", filter=Q(present=True))
    )
    return row["present"] / row["n"] if row["n"] else 1.0


def quizzes_passed(enrolment: Enrolment) -> bool:
    with_quiz = set(
        Lesson.objects.filter(
            version_id=enrolment.cohort.version_id, pass_mark__isnull=False
        ).values_list("pk", flat=True)
    )
    passed = set(
        QuizAttempt.objects.filter(enrolment=enrolment, passed=True).values_list(
            "lesson_id", flat=True
        )
    )
    return with_quiz <= passed


def completion(enrolment: Enrolment) -> dict[str, bool]:
    """Each part of the cohort's rule, met or not."""
    cohort = enrolment.cohort
    teachback = TeachBack.objects.filter(enrolment=enrolment, filed_at__isnull=False).exists()
    return {
        "attendance": attendance_share(enrolment) * 100 >= cohort.min_attendance,
        "quiz": quizzes_passed(enrolment) or not cohort.require_quiz,
        "teachback": teachback or not cohort.require_teachback,
    }


def refresh_completion(enrolment: Enrolment, *, now: datetime) -> bool:
    """Graduate the learner once every part of the rule is met (never un-graduates)."""
    if enrolment.completed_at is not None:
        return True
    if not all(completion(enrolment).values()):
        return False
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    cascade.add_edge(
        trainer=enrolment.cohort.trainer, trainee=enrolment.learner, cohort=enrolment.cohort,
        now=now,
    )  # fmt: skip
    events.publish(
        LEARNER_GRADUATED,
        {"cohort": enrolment.cohort_id, "learner": enrolment.learner_id},
    )
    return True


def finish_cohort(actor: Any, cohort: Cohort, *, now: datetime) -> int:
    """Close the cohort; returns how many learners graduated."""
    _open(cohort)
    with transaction.atomic():
        for enrolment in cohort.enrolments.select_related("learner", "cohort__trainer"):
            refresh_completion(enrolment, now=now)
        cohort.finished_at = now
        cohort.save(update_fields=["finished_at"])
        graduated = cohort.enrolments.filter(completed_at__isnull=False).count()
        audit.record(actor, "academy.cohort.finished", cohort, after={"graduated": graduated})
    return graduated
