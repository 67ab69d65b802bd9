"""The academy's part of the demo: one course with a community edition, a finished
cohort with teach-back reports, and a cascade three generations deep under Tara.

Built through the domain functions; idempotent (the course's title is the marker)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from servewell.academy import cascade, cohorts, courses, teachback
from servewell.academy.models import Course
from servewell.people import directory, teams
from servewell.people.demo import DEMO_PASSWORD
from servewell.people.models import Role, Team, User

TITLE = "Customer focus is leadership"
LESSONS = [
    {
        "title": "Listening before answering",
        "body": "## Why listening comes first\n\nA customer who feels heard is already "
        "halfway to calm. Let them finish, then say back what you heard.",
        "community": "variant",
        "community_body": "At home or in a club, let each person finish. Then say back "
        "what you heard before you give your view.",
        "reflections": ["When did someone last really listen to you?", "What made it work?"],
        "pass_mark": 50,
        "max_attempts": 3,
        "questions": [
            {
                "text": "What do you do before you answer?",
                "kind": "single",
                "choices": [("Say back what you heard", True), ("Quote the policy", False)],
            },
            {
                "text": "Which habits help people feel heard?",
                "kind": "multiple",
                "choices": [("Pausing", True), ("Open questions", True), ("Interrupting", False)],
            },
        ],
    },
    {
        "title": "Owning the next step",
        "body": "Say what you will do and by when, then do it — and tell them it is done.",
        "community": "variant",
        "community_body": "A promise with a time is a gift: say what you will do and when.",
        "reflections": ["Which promise of yours is still open?"],
    },
    {
        "title": "Our refund rules",
        "body": "How refunds, returns and goodwill gestures work in our shop.",
        "community": "work_only",
    },
]
#: (trainer, learners, endorser of the learners who go on to teach, who teaches next)
GENERATIONS = [
    ("tara", ["aisha", "ben"], "uma", ["aisha", "ben"]),
    ("aisha", ["chloe", "dev"], "ben", ["chloe"]),
    ("chloe", ["elif", "finn"], None, []),
]
SETTINGS = ["home", "community", "school", "sports", "faith", "home"]


@transaction.atomic
def load_academy_demo() -> dict[str, int]:
    if Course.objects.filter(title=TITLE).exists() or not User.objects.filter(username="tara"):
        return {"courses": Course.objects.count()}
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    people = {u.username: u for u in User.objects.all()}
    people["uma"] = _second_trainer(people)
    version = _course(people["tara"], now - dt.timedelta(days=120))
    start = now - dt.timedelta(days=100)
    for n, (trainer, learners, endorser, next_trainers) in enumerate(GENERATIONS):
        _cohort(people, version, trainer, learners, start + dt.timedelta(days=30 * n), n)
        for name in next_trainers:
            cascade.endorse(
                people[endorser], people[name], observed="practice",
                now=start + dt.timedelta(days=30 * n + 20),
            )  # fmt: skip
            people[name].refresh_from_db()
            people[name].__dict__.pop("roles", None)
    return {"courses": 1, "cohorts": len(GENERATIONS), "generations": 3}


def _second_trainer(people: dict[str, User]) -> User:
    if "uma" in people:
        return people["uma"]
    uma = directory.create_person(
        None, username="uma", email="uma@servewell.localhost", display_name="Uma Okafor",
        roles=[Role.TRAINER, Role.AGENT], password=DEMO_PASSWORD,
    )  # fmt: skip
    care = Team.objects.filter(name="Customer Care").first()
    if care:
        teams.add_member(None, care, uma)
    return uma


def _course(author: User, when: dt.datetime):
    course = courses.create_course(author, title=TITLE, now=when, summary="Six weeks.")
    draft = courses.draft_of(course)
    for lesson in LESSONS:
        courses.add_lesson(author, draft, **lesson)
    courses.set_community_title(author, draft, title="Leading by listening")
    return courses.publish(author, draft, now=when)


def _cohort(people, version, trainer, learners, when, n):
    cohort = cohorts.create_cohort(
        people[trainer], name=f"{['Spring', 'Summer', 'Autumn'][n]} cohort", version=version,
        trainer=people[trainer], teachback_due=(when + dt.timedelta(days=21)).date(), now=when,
    )  # fmt: skip
    enrolments = cohorts.enrol(people[trainer], cohort, [people[u] for u in learners], now=when)
    for week in range(2):
        session = cohorts.add_session(
            people[trainer], cohort, starts_at=when + dt.timedelta(days=7 * week, hours=4),
            topic=LESSONS[week]["title"],
        )  # fmt: skip
        cohorts.take_attendance(
            people[trainer], session, present=[people[u].pk for u in learners],
            now=when + dt.timedelta(days=7 * week),
        )  # fmt: skip
    quiz = version.lessons.get(position=1)
    right = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in quiz.questions.all()}
    for i, enrolment in enumerate(enrolments):
        filed = when + dt.timedelta(days=14 + i)
        cohorts.take_quiz(enrolment, quiz, right, now=when + dt.timedelta(days=8))
        teachback.file_report(
            enrolment.learner, enrolment.teachback, taught_on=filed.date() - dt.timedelta(days=1),
            setting=SETTINGS[(2 * n + i) % len(SETTINGS)], people_reached=4 + 7 * i + 3 * n,
            what_happened="We talked about listening before answering, and each of us "
            "tried it for a week.", reflection="Harder than it sounds; worth it.", now=filed,
        )  # fmt: skip
        teachback.acknowledge(people[trainer], enrolment.teachback, now=filed)
    peer = enrolments[1].learner
    teachback.comment(
        peer, enrolments[0].teachback, body="Great idea!", now=when + dt.timedelta(days=16)
    )
    cohorts.finish_cohort(people[trainer], cohort, now=when + dt.timedelta(days=25))
