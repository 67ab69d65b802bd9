"""Courses, their versions and lessons: drafting, editing the draft, publishing.

As with quality scorecards, a published version never changes: cohorts point at the
version they started with. Editing a course drafts its next version, a copy of the
latest published one whose lessons keep their ``key``; a course has at most one draft.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from servewell.academy.models import (
    Choice,
    Course,
    CourseVersion,
    Lesson,
    Question,
    Reflection,
)
from servewell.academy.rendering import check_markdown
from servewell.core import audit, events
from servewell.core.errors import DomainError

COURSE_PUBLISHED = events.declare(
    "academy.course.published", "A new version of an academy course was published."
)
MAX_ATTEMPTS = 10
LESSON_FIELDS = ("title", "body", "community", "community_body", "pass_mark", "max_attempts")


def _text(value: Any, field: str, limit: int) -> str:
    value = " ".join(str(value or "").split())
    if not value:
        raise DomainError("invalid", "This field is required.", field=field)
    if len(value) > limit:
        raise DomainError("invalid", f"At most {limit} characters.", field=field)
    return value


def _markdown(value: Any, field: str) -> str:
    text = str(value or "")
    if len(text) > 100_000:
        raise DomainError("invalid", "At most 100,000 characters.", field=field)
    problems = check_markdown(text)
    if problems:
        raise DomainError("invalid", " ".join(problems), field=field)
    return text


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def create_course(actor: Any, *, title: str, now: datetime, summary: str = "") -> Course:
    """A course with an empty first draft."""
    title = _text(title, "title", 200)
    with transaction.atomic():
        course = Course.objects.create(
            title=title, summary=str(summary or "")[:5000], created_by=_user(actor), created_at=now
        )
        CourseVersion.objects.create(course=course, number=1, created_at=now)
        audit.record(actor, "academy.course.created", course, after={"title": title})
    return course


def latest_published(course: Course) -> CourseVersion | None:
    return course.versions.filter(state=CourseVersion.State.PUBLISHED).order_by("-number").first()


def draft_of(course: Course) -> CourseVersion | None:
    return course.versions.filter(state=CourseVersion.State.DRAFT).first()


def start_draft(actor: Any, course: Course, *, now: datetime) -> CourseVersion:
    """The course's draft; a new one copied from the latest published version if none."""
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        existing = draft_of(course)
        if existing:
            return existing
        source = latest_published(course)
        number = (course.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            draft = CourseVersion.objects.create(
                course=course,
                number=number,
                created_at=now,
                community_title=source.community_title if source else "",
            )
        except IntegrityError:
            raise DomainError("conflict", "A draft was started at the same time.") from None
        if source:
            for lesson in source.lessons.prefetch_related("reflections", "questions__choices"):
                _copy_lesson(lesson, draft)
        audit.record(actor, "academy.course.drafted", draft, after={"number": number})
    return draft


def _copy_lesson(lesson: Lesson, draft: CourseVersion) -> Lesson:
    copy = Lesson.objects.create(
        version=draft,
        key=lesson.key,
        position=lesson.position,
        **{f: getattr(lesson, f) for f in LESSON_FIELDS},
    )
    copy.stories.set(lesson.stories.all())
    Reflection.objects.bulk_create(
        Reflection(lesson=copy, position=r.position, text=r.text) for r in lesson.reflections.all()
    )
    for q in lesson.questions.all():
        new = Question.objects.create(lesson=copy, position=q.position, text=q.text, kind=q.kind)
        Choice.objects.bulk_create(
            Choice(question=new, position=c.position, text=c.text, correct=c.correct)
            for c in q.choices.all()
        )
    return copy


def _editable(version: CourseVersion) -> None:
    if not version.is_draft:
        raise DomainError(
            "conflict", "A published version never changes; start a new draft to edit it."
        )


def _lesson_values(data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "title" in data or not partial:
        values["title"] = _text(data.get("title"), "title", 200)
    if "body" in data or not partial:
        values["body"] = _markdown(data.get("body"), "body")
    if "community_body" in data:
        values["community_body"] = _markdown(data.get("community_body"), "community_body")
    if "community" in data or not partial:
        community = data.get("community") or Lesson.Community.WORK_ONLY
        if community not in Lesson.Community.values:
            raise DomainError("invalid", f"Unknown choice {community!r}.", field="community")
        values["community"] = community
    if "pass_mark" in data:
        mark = data["pass_mark"]
        if mark is not None and (isinstance(mark, bool) or not isinstance(mark, int)):
            raise DomainError("invalid", "A pass mark is a whole number.", field="pass_mark")
        if mark is not None and not 0 <= mark <= 100:
            raise DomainError("invalid", "A pass mark is 0-100 percent.", field="pass_mark")
        values["pass_mark"] = mark
    if "max_attempts" in data:
        tries = data["max_attempts"]
        if isinstance(tries, bool) or not isinstance(tries, int) or not 1 <= tries <= MAX_ATTEMPTS:
            raise DomainError("invalid", f"Attempts are 1-{MAX_ATTEMPTS}.", field="max_attempts")
        values["max_attempts"] = tries
    return values


def _check_community(lesson_values: Mapping[str, Any], current: Lesson | None = None) -> None:
    community = lesson_values.get("community", current.community if current else None)
    body = lesson_values.get("community_body", current.community_body if current else "")
    if community == Lesson.Community.VARIANT and not (body or "").strip():
        raise DomainError(
            "invalid",
            "Write the community variant, or mark the lesson as work-only.",
            field="community_body",
        )


def add_lesson(
    actor: Any,
    version: CourseVersion,
    *,
    reflections: Iterable[str] = (),
    questions: Iterable[Mapping[str, Any]] = (),
    **data: Any,
) -> Lesson:
    _editable(version)
    values = _lesson_values(data)
    _check_community(values)
    with transaction.atomic():
        position = (version.lessons.aggregate(p=Max("position"))["p"] or 0) + 1
        lesson = Lesson.objects.create(
            version=version, key=uuid.uuid4().hex[:12], position=position, **values
        )
        set_reflections(actor, lesson, texts=reflections)
        for question in questions:
            add_question(actor, lesson, **question)
    return lesson


def update_lesson(actor: Any, lesson: Lesson, **data: Any) -> Lesson:
    _editable(lesson.version)
    values = _lesson_values(data, partial=True)
    _check_community(values, lesson)
    for name, value in values.items():
        setattr(lesson, name, value)
    lesson.save(update_fields=list(values) or None)
    return lesson


def remove_lesson(actor: Any, lesson: Lesson) -> None:
    _editable(lesson.version)
    lesson.delete()


def set_reflections(actor: Any, lesson: Lesson, *, texts: Iterable[str]) -> list[Reflection]:
    """Replace the lesson's reflection questions (one per non-empty line)."""
    _editable(lesson.version)
    cleaned = [_text(t, "reflections", 500) for t in texts if str(t or "").strip()]
    if len(cleaned) > 20:
        raise DomainError("invalid", "At most 20 reflection questions.", field="reflections")
    with transaction.atomic():
        lesson.reflections.all().delete()
        return Reflection.objects.bulk_create(
            Reflection(lesson=lesson, position=n, text=t) for n, t in enumerate(cleaned, 1)
        )


def add_question(
    actor: Any, lesson: Lesson, *, text: str, kind: str = "single", choices: Iterable[Any] = ()
) -> Question:
    """``choices``: ``(text, correct)`` pairs or ``{"text", "correct"}`` mappings."""
    _editable(lesson.version)
    text = _text(text, "text", 500)
    if kind not in Question.Kind.values:
        raise DomainError("invalid", f"Unknown question kind {kind!r}.", field="kind")
    pairs = [
        (c["text"], bool(c.get("correct"))) if isinstance(c, Mapping) else (c[0], bool(c[1]))
        for c in choices
    ]
    pairs = [(_text(t, "choices", 300), ok) for t, ok in pairs]
    right = sum(ok for _t, ok in pairs)
    if len(pairs) < 2 or len(pairs) > 10:
        raise DomainError("invalid", "A question has 2-10 choices.", field="choices")
    if right == 0 or (kind == Question.Kind.SINGLE and right != 1):
        raise DomainError(
            "invalid",
            "Mark exactly one right choice."
            if kind == Question.Kind.SINGLE
            else "Mark at least one right choice.",
            field="choices",
        )
    with transaction.atomic():
        position = (lesson.questions.aggregate(p=Max("position"))["p"] or 0) + 1
        question = Question.objects.create(lesson=lesson, position=position, text=text, kind=kind)
        Choice.objects.bulk_create(
            Choice(question=question, position=n, text=t, correct=ok)
            for n, (t, ok) in enumerate(pairs, 1)
        )
    return question


def remove_question(actor: Any, question: Question) -> None:
    _editable(question.lesson.version)
    question.delete()


def set_community_title(actor: Any, version: CourseVersion, *, title: str) -> CourseVersion:
    _editable(version)
    version.community_title = str(title or "").strip()[:200]
    version.save(update_fields=["community_title"])
    return version


def publish(actor: Any, version: CourseVersion, *, now: datetime) -> CourseVersion:
    """Freeze the draft. It must teach something; a quiz must ask something."""
    with transaction.atomic():
        version = CourseVersion.objects.select_for_update().get(pk=version.pk)
        _editable(version)
        lessons = list(version.lessons.prefetch_related("questions"))
        if not lessons:
            raise DomainError("invalid", "Add at least one lesson before publishing.")
        for lesson in lessons:
            if lesson.has_quiz and not lesson.questions.all():
                raise DomainError(
                    "invalid", f"Lesson “{lesson.title}” has a pass mark but no questions."
                )
        version.state = CourseVersion.State.PUBLISHED
        version.published_at = now
        version.published_by = _user(actor)
        version.save(update_fields=["state", "published_at", "published_by"])
        audit.record(
            actor, "academy.course.published", version,
            after={"number": version.number, "lessons": len(lessons)},
        )  # fmt: skip
        events.publish(
            COURSE_PUBLISHED,
            {"course": version.course_id, "version": version.pk, "number": version.number},
        )
    return version


def attach_story(actor: Any, lesson: Lesson, story: Any) -> None:
    """A featured daily-choice story offered to the academy, as the lesson's case material."""
    _editable(lesson.version)
    if not (story.featured and story.offered_to_academy):
        raise DomainError("invalid", "Only featured stories offered to the academy.")
    lesson.stories.add(story)


def detach_story(actor: Any, lesson: Lesson, story: Any) -> None:
    _editable(lesson.version)
    lesson.stories.remove(story)
