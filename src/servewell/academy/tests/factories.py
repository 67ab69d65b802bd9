"""Building blocks of the academy tests: a published course, a cohort, a graduate."""

from __future__ import annotations

import datetime as dt

from servewell.academy import cohorts, courses, teachback
from servewell.academy.models import Cohort, Course, Enrolment
from servewell.people.models import Role, User
from servewell.people.tests.factories import make_person

NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 6, 30)

LESSONS = [
    {
        "title": "Listening first",
        "body": "# Listening first\n\nLet the other person **finish**.",
        "community": "variant",
        "community_body": "At the dinner table, let everyone finish their sentence.",
        "reflections": ["When did someone really listen to you?"],
        "pass_mark": 50,
        "max_attempts": 2,
        "questions": [
            {
                "text": "What comes first?",
                "kind": "single",
                "choices": [("Listening", True), ("Answering", False)],
            },
            {
                "text": "Which help?",
                "kind": "multiple",
                "choices": [("Silence", True), ("Questions", True), ("Interrupting", False)],
            },
        ],
    },
    {
        "title": "Owning the next step",
        "body": "Say what you will do, and when.",
        "community": "work_only",
    },
]


def make_course(title: str = "Customer focus", lessons=None, publish: bool = True) -> Course:
    course = courses.create_course(None, title=title, now=NOW)
    draft = courses.draft_of(course)
    for lesson in lessons or LESSONS:
        courses.add_lesson(None, draft, **lesson)
    if publish:
        courses.publish(None, draft, now=NOW)
    return course


def make_cohort(trainer: User, course: Course | None = None, **kw) -> Cohort:
    course = course or make_course()
    return cohorts.create_cohort(
        None,
        name=kw.pop("name", "Spring cohort"),
        version=courses.latest_published(course),
        trainer=trainer,
        teachback_due=DUE,
        now=NOW,
        **kw,
    )


def right_answers(lesson) -> dict[int, list[int]]:
    return {
        q.pk: [c.pk for c in q.choices.all() if c.correct]
        for q in lesson.questions.prefetch_related("choices")
    }


def graduate(cohort: Cohort, learner: User, *, reached: int = 12) -> Enrolment:
    """Enrol, pass every quiz and file the teach-back: the learner completes."""
    (enrolment,) = cohorts.enrol(None, cohort, [learner], now=NOW) or [
        cohort.enrolments.get(learner=learner)
    ]
    for lesson in cohort.version.lessons.filter(pass_mark__isnull=False):
        cohorts.take_quiz(enrolment, lesson, right_answers(lesson), now=NOW)
    teachback.file_report(
        learner, enrolment.teachback, taught_on=NOW.date(), setting="home",
        people_reached=reached, what_happened="We talked over dinner.", now=NOW,
    )  # fmt: skip
    enrolment.refresh_from_db()
    return enrolment


def make_trainer(username: str, **kw) -> User:
    return make_person(username, [Role.TRAINER, Role.AGENT], **kw)
