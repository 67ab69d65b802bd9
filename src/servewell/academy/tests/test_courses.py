"""Courses: safe Markdown, versions like scorecards, quizzes that make sense."""

from __future__ import annotations

import pytest

from servewell.academy import courses
from servewell.academy.models import CourseVersion, Lesson
from servewell.academy.rendering import render
from servewell.academy.tests.factories import NOW, make_cohort, make_course
from servewell.core.errors import DomainError


def test_markdown_is_rendered_and_sanitised():
    html = render("# Title\n\n<script>alert(1)</script> [x](javascript:alert(1)) **bold**")
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and 'href="javascript' not in html


@pytest.mark.parametrize(
    "body",
    [
        "Hello <script>alert(1)</script>",
        'Look <img src=x onerror="alert(1)">',
        "[click](javascript:alert(document.cookie))",
        "<a href='#' onclick=steal()>x</a>",
    ],
)
def test_a_lesson_carrying_scripts_or_handlers_is_refused_and_nothing_stored(db, body):
    course = courses.create_course(None, title="Safe", now=NOW)
    with pytest.raises(DomainError) as exc:
        courses.add_lesson(None, courses.draft_of(course), title="Bad", body=body)
    assert exc.value.field == "body"
    assert not Lesson.objects.exists()


def test_editing_a_published_course_drafts_a_new_version_and_cohorts_keep_theirs(tara):
    course = make_course()
    cohort = make_cohort(tara, course)
    v1 = courses.latest_published(course)
    with pytest.raises(DomainError):
        courses.update_lesson(None, v1.lessons.first(), title="Changed")
    draft = courses.start_draft(None, course, now=NOW)
    assert draft.number == 2 and draft.lessons.count() == v1.lessons.count()
    first = draft.lessons.first()
    assert first.key == v1.lessons.first().key and first.questions.count() == 2
    courses.update_lesson(None, first, title="Listening, first of all")
    courses.publish(None, draft, now=NOW)
    cohort.refresh_from_db()
    assert cohort.version == v1
    assert v1.lessons.first().title == "Listening first"
    assert courses.start_draft(None, course, now=NOW).number == 3


def test_a_course_has_one_draft_at_a_time(db):
    course = make_course(publish=False)
    assert courses.start_draft(None, course, now=NOW) == courses.draft_of(course)
    assert course.versions.filter(state=CourseVersion.State.DRAFT).count() == 1


def test_publishing_needs_lessons_and_quizzes_need_questions(db):
    course = courses.create_course(None, title="Empty", now=NOW)
    draft = courses.draft_of(course)
    with pytest.raises(DomainError, match="at least one lesson"):
        courses.publish(None, draft, now=NOW)
    courses.add_lesson(None, draft, title="Quiz", body="Text", pass_mark=80)
    with pytest.raises(DomainError, match="no questions"):
        courses.publish(None, draft, now=NOW)


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        ("single", [("A", True), ("B", True)]),
        ("single", [("A", False), ("B", False)]),
        ("multiple", [("A", True)]),
        ("essay", [("A", True), ("B", False)]),
    ],
)
def test_questions_must_be_answerable(db, kind, choices):
    course = courses.create_course(None, title="Q", now=NOW)
    lesson = courses.add_lesson(None, courses.draft_of(course), title="L", body="b")
    with pytest.raises(DomainError):
        courses.add_question(None, lesson, text="?", kind=kind, choices=choices)


def test_a_community_variant_needs_its_text(db):
    course = courses.create_course(None, title="C", now=NOW)
    with pytest.raises(DomainError) as exc:
        courses.add_lesson(None, courses.draft_of(course), title="L", body="b", community="variant")
    assert exc.value.field == "community_body"


@pytest.mark.parametrize("mark", [-1, 101, "50", True])
def test_a_pass_mark_is_a_percentage(db, mark):
    course = courses.create_course(None, title="P", now=NOW)
    with pytest.raises(DomainError):
        courses.add_lesson(None, courses.draft_of(course), title="L", body="b", pass_mark=mark)
