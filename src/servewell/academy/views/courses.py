"""Course screens for trainers: list, write lessons on the draft, publish; the book."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.academy import book, courses, queries
from servewell.academy.access import ACADEMY_LEARN, ACADEMY_TEACH
from servewell.academy.forms import CourseForm, LessonForm, QuestionForm, put_error
from servewell.academy.models import Course, CourseVersion, Lesson, Question
from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id


@requires(ACADEMY_TEACH)
def course_list(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = courses.create_course(request.user, now=timezone.now(), **form.cleaned_data)
            messages.success(request, f"Course {course} created: write its lessons.")
            return redirect("academy-course", pk=course.pk)
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "academy/courses.html",
        {"courses": queries.list_courses(), "form": form},
        status=400 if form.errors else 200,
    )


@requires(ACADEMY_TEACH)
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    draft = courses.draft_of(course)
    form = LessonForm(request.POST or None)
    if request.method == "POST" and draft and form.is_valid():
        try:
            courses.add_lesson(request.user, draft, **form.lesson_data())
            messages.success(request, "Lesson added to the draft.")
            return redirect("academy-course", pk=course.pk)
        except DomainError as exc:
            put_error(form, exc)
    published = courses.latest_published(course)
    return render(
        request,
        "academy/course.html",
        {
            "course": course,
            "draft": draft,
            "draft_lessons": queries.version_lessons(draft) if draft else [],
            "published": published,
            "published_lessons": queries.version_lessons(published) if published else [],
            "versions": course.versions.all(),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@requires(ACADEMY_TEACH)
@require_POST
def start_draft(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    draft = courses.start_draft(request.user, course, now=timezone.now())
    messages.info(request, f"Draft version {draft.number} is open for changes.")
    return redirect("academy-course", pk=course.pk)


@requires(ACADEMY_TEACH)
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(CourseVersion, pk=pk)
    try:
        if version.is_draft and "community_title" in request.POST:
            title = request.POST["community_title"]
            courses.set_community_title(request.user, version, title=title)
        courses.publish(request.user, version, now=timezone.now())
        messages.success(request, f"Version {version.number} is published.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-course", pk=version.course_id)


@requires(ACADEMY_TEACH)
def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.select_related("version__course"), pk=pk)
    initial = {
        **{f: getattr(lesson, f) for f in courses.LESSON_FIELDS},
        "reflections": "\n".join(r.text for r in lesson.reflections.all()),
    }
    form = LessonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.lesson_data()
            reflections = data.pop("reflections")
            courses.update_lesson(request.user, lesson, **data)
            courses.set_reflections(request.user, lesson, texts=reflections)
            messages.success(request, "Lesson saved.")
            return redirect("academy-lesson", pk=lesson.pk)
        except DomainError as exc:
            put_error(form, exc)
    return _lesson_page(request, lesson, form, QuestionForm())


def _lesson_page(request, lesson, form, question_form) -> HttpResponse:
    from servewell.academy.stories import offered_stories

    bad = form.errors or question_form.errors
    return render(
        request,
        "academy/lesson_edit.html",
        {
            "lesson": lesson,
            "form": form,
            "question_form": question_form,
            "questions": lesson.questions.prefetch_related("choices"),
            "stories": lesson.stories.all(),
            "offered": offered_stories().exclude(pk__in=lesson.stories.all()),
        },
        status=400 if bad else 200,
    )


@requires(ACADEMY_TEACH)
@require_POST
def add_question(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.select_related("version__course"), pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            courses.add_question(
                request.user, lesson, text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"], choices=form.parsed_choices(),
            )  # fmt: skip
            messages.success(request, "Question added.")
            return redirect("academy-lesson", pk=lesson.pk)
        except DomainError as exc:
            put_error(form, exc)
    return _lesson_page(request, lesson, LessonForm(initial={"title": lesson.title}), form)


@requires(ACADEMY_TEACH)
@require_POST
def remove_question(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("lesson__version"), pk=pk)
    try:
        courses.remove_question(request.user, question)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-lesson", pk=question.lesson_id)


@requires(ACADEMY_TEACH)
@require_POST
def story(request: HttpRequest, pk: int) -> HttpResponse:
    from servewell.academy.stories import offered_stories

    lesson = get_object_or_404(Lesson.objects.select_related("version"), pk=pk)
    found = offered_stories().filter(pk=parse_id(request.POST.get("story"))).first()
    if found is None:
        messages.error(request, "Pick a featured story offered to the academy.")
        return redirect("academy-lesson", pk=lesson.pk)
    try:
        if request.POST.get("remove"):
            courses.detach_story(request.user, lesson, found)
        else:
            courses.attach_story(request.user, lesson, found)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-lesson", pk=lesson.pk)


def _book_version(request: HttpRequest, pk: int) -> CourseVersion:
    version = get_object_or_404(CourseVersion.objects.select_related("course"), pk=pk)
    if version.is_draft and not can(request.user, ACADEMY_TEACH):
        raise Http404("No such course book.")
    return version


@requires(ACADEMY_LEARN)
def book_html(request: HttpRequest, pk: int) -> HttpResponse:
    version = _book_version(request, pk)
    return render(request, "academy/book.html", book.book_context(version))


@requires(ACADEMY_LEARN)
def book_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    version = _book_version(request, pk)
    response = HttpResponse(book.book_pdf(version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="course-book-{version.pk}.pdf"'
    return response
