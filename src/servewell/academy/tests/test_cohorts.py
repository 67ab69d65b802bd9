"""Cohorts: enrolment, attendance, quizzes enforced on the server, completion."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.academy import cohorts
from servewell.academy.models import QuizAttempt, TrainingEdge
from servewell.academy.tests.factories import NOW, graduate, make_cohort, right_answers
from servewell.core.errors import DomainError


def _quiz_lesson(cohort):
    return cohort.version.lessons.get(title="Listening first")


def test_enrolling_a_team_enrols_each_member_once_and_not_the_trainer(tara, alice, lena, care):
    cohort = make_cohort(tara)
    assert len(cohorts.enrol_team(None, cohort, care, now=NOW)) == 2
    assert cohorts.enrol(None, cohort, [alice], now=NOW) == []
    assert cohorts.enrol(None, cohort, [tara], now=NOW) == []
    assert cohort.enrolments.count() == 2
    assert all(e.teachback.due_on == cohort.teachback_due for e in cohort.enrolments.all())


def test_a_wrong_answer_fails_and_the_attempts_are_limited(tara, alice):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    lesson = _quiz_lesson(cohort)
    wrong = {q: [] for q in right_answers(lesson)}
    first = cohorts.take_quiz(enrolment, lesson, wrong, now=NOW)
    assert (first.score, first.passed) == (0.0, False)
    cohorts.take_quiz(enrolment, lesson, wrong, now=NOW)
    with pytest.raises(DomainError, match="No attempts left"):
        cohorts.take_quiz(enrolment, lesson, right_answers(lesson), now=NOW)
    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 2


def test_a_passed_quiz_cannot_be_retaken(tara, alice):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    lesson = _quiz_lesson(cohort)
    assert cohorts.take_quiz(enrolment, lesson, right_answers(lesson), now=NOW).passed
    with pytest.raises(DomainError, match="passed"):
        cohorts.take_quiz(enrolment, lesson, right_answers(lesson), now=NOW)


def test_half_right_meets_a_pass_mark_of_fifty(tara, alice):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    lesson = _quiz_lesson(cohort)
    answers = right_answers(lesson)
    multiple = lesson.questions.get(kind="multiple")
    answers[multiple.pk] = answers[multiple.pk][:1]  # only one of the two right choices
    attempt = cohorts.take_quiz(enrolment, lesson, answers, now=NOW)
    assert (attempt.score, attempt.passed) == (50.0, True)


def test_completion_needs_attendance_quiz_and_teachback(tara, alice):
    cohort = make_cohort(tara, min_attendance=50)
    session = cohorts.add_session(None, cohort, starts_at=NOW, topic="Kick-off")
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    cohorts.take_attendance(None, session, present=[], now=NOW)
    assert cohorts.completion(enrolment) == {
        "attendance": False, "quiz": False, "teachback": False,
    }  # fmt: skip
    cohorts.take_attendance(None, session, present=[alice.pk], now=NOW)
    enrolment = graduate(cohort, alice)
    assert enrolment.completed_at == NOW
    assert TrainingEdge.objects.filter(trainer=tara, trainee=alice).exists()


def test_a_cohort_follows_a_published_version_and_a_future_due_date(tara):
    from servewell.academy import courses
    from servewell.academy.tests.factories import make_course

    draft = courses.draft_of(make_course(publish=False))
    with pytest.raises(DomainError):
        cohorts.create_cohort(
            None, name="X", version=draft, trainer=tara, teachback_due=NOW.date(), now=NOW
        )
    published = courses.latest_published(make_course(title="Other"))
    with pytest.raises(DomainError) as exc:
        cohorts.create_cohort(
            None, name="X", version=published, trainer=tara,
            teachback_due=NOW.date() - dt.timedelta(days=1), now=NOW,
        )  # fmt: skip
    assert exc.value.field == "teachback_due"


def test_a_finished_cohort_takes_no_more_quiz_answers(tara, alice):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    cohorts.finish_cohort(None, cohort, now=NOW)
    enrolment.cohort.refresh_from_db()
    lesson = _quiz_lesson(cohort)
    with pytest.raises(DomainError, match="finished"):
        cohorts.take_quiz(enrolment, lesson, right_answers(lesson), now=NOW)
