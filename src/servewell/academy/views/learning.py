"""Learners' screens: a lesson with its reflections and quiz, the teach-back report with
comments and the trainer's acknowledgement and endorsement, and the cascade."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.academy import cascade, cohorts, queries, teachback, tree
from servewell.academy.access import (
    ACADEMY_LEARN,
    ACADEMY_TEACH,
    access_cohort,
    access_teachback,
    runs,
)
from servewell.academy.forms import CommentForm, EndorseForm, TeachBackForm, put_error
from servewell.academy.models import Enrolment, Lesson, TrainingEdge
from servewell.academy.rendering import render as render_markdown
from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id, parse_ids
from servewell.people.models import User


def _enrolled(request: HttpRequest, cohort_pk: int, lesson_pk: int) -> tuple[Enrolment, Lesson]:
    cohort = access_cohort(request.user, cohort_pk)
    enrolment = queries.enrolment_of(cohort, request.user)
    lesson = cohort.version.lessons.filter(pk=lesson_pk).first()
    if enrolment is None or lesson is None:
        raise Http404("You are not enrolled in this cohort, or it has no such lesson.")
    return enrolment, lesson


@requires(ACADEMY_LEARN)
def lesson(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    enrolment, lesson = _enrolled(request, pk, lesson_pk)
    return render(
        request,
        "academy/lesson.html",
        {
            "cohort": enrolment.cohort,
            "lesson": lesson,
            "html": render_markdown(lesson.body),
            "reflections": lesson.reflections.all(),
            "questions": lesson.questions.prefetch_related("choices"),
            "stories": lesson.stories.all(),
            "state": queries.lesson_state(enrolment, lesson),
        },
    )


@requires(ACADEMY_LEARN)
@require_POST
def reflections(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    enrolment, lesson = _enrolled(request, pk, lesson_pk)
    answers = {
        n: request.POST[key]
        for key in request.POST
        if key.startswith("r") and (n := parse_id(key[1:])) is not None
    }
    try:
        cohorts.answer_reflections(enrolment, lesson, answers, now=timezone.now())
        messages.success(request, "Your reflections are saved.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-learn", pk=pk, lesson_pk=lesson.pk)


@requires(ACADEMY_LEARN)
@require_POST
def quiz(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    enrolment, lesson = _enrolled(request, pk, lesson_pk)
    chosen = {
        n: parse_ids(request.POST.getlist(key))
        for key in request.POST
        if key.startswith("q") and (n := parse_id(key[1:])) is not None
    }
    try:
        attempt = cohorts.take_quiz(enrolment, lesson, chosen, now=timezone.now())
        text = f"You scored {attempt.score:.0f}%"
        if attempt.passed:
            messages.success(request, f"{text}: quiz passed.")
        else:
            messages.warning(request, f"{text}: not passed yet (pass mark {lesson.pass_mark}%).")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("academy-learn", pk=pk, lesson_pk=lesson.pk)
    return redirect("academy-learn", pk=pk, lesson_pk=lesson.pk)


@requires(ACADEMY_LEARN)
def teachback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tb = access_teachback(request.user, pk)
    own = tb.enrolment.learner_id == request.user.pk
    initial = {
        f: getattr(tb, f)
        for f in ("taught_on", "setting", "people_reached", "what_happened", "reflection")
    }
    form = TeachBackForm(request.POST or None, initial=initial) if own else None
    if request.method == "POST":
        if not own:
            raise Http404("Only the learner files their teach-back.")
        if form.is_valid():
            try:
                teachback.file_report(request.user, tb, now=timezone.now(), **form.cleaned_data)
                messages.success(request, "Your teach-back report is filed. Thank you!")
                return redirect("academy-teachback", pk=tb.pk)
            except DomainError as exc:
                put_error(form, exc)
    return _page(request, tb, form, CommentForm())


def _page(request, tb, form, comment_form) -> HttpResponse:
    learner = tb.enrolment.learner
    endorsable = (
        can(request.user, ACADEMY_TEACH)
        and request.user.pk != learner.pk
        and tb.enrolment.completed_at is not None
        and not hasattr(learner, "endorsement")
        and not TrainingEdge.objects.filter(trainer=request.user, trainee=learner).exists()
    )
    bad = (form is not None and form.errors) or comment_form.errors
    return render(
        request,
        "academy/teachback.html",
        {
            "tb": tb,
            "learner": learner,
            "form": form,
            "comments": tb.comments.select_related("author"),
            "comment_form": comment_form,
            "runs": runs(request.user, tb.enrolment.cohort),
            "endorse_form": EndorseForm() if endorsable else None,
        },
        status=400 if bad else 200,
    )


@requires(ACADEMY_LEARN)
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    tb = access_teachback(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            teachback.comment(request.user, tb, body=form.cleaned_data["body"], now=timezone.now())
            messages.success(request, "Comment posted.")
            return redirect("academy-teachback", pk=tb.pk)
        except DomainError as exc:
            put_error(form, exc)
    return _page(request, tb, None, form)


@requires(ACADEMY_TEACH)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    tb = access_teachback(request.user, pk)
    try:
        teachback.acknowledge(request.user, tb, now=timezone.now())
        messages.success(request, "Teach-back acknowledged.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-teachback", pk=tb.pk)


@requires(ACADEMY_TEACH)
@require_POST
def endorse(request: HttpRequest, pk: int) -> HttpResponse:
    tb = access_teachback(request.user, pk)
    form = EndorseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what you observed.")
        return redirect("academy-teachback", pk=tb.pk)
    learner = tb.enrolment.learner
    try:
        cascade.endorse(
            request.user, learner, observed=form.cleaned_data["observed"], now=timezone.now(),
            teachback=tb, note=form.cleaned_data["note"],
        )  # fmt: skip
        messages.success(request, f"{learner} is now a trainer.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-teachback", pk=tb.pk)


@requires(ACADEMY_LEARN)
def cascade_view(request: HttpRequest) -> HttpResponse:
    roots = cascade.list_roots()
    root_id = parse_id(request.GET.get("root"))
    root = get_object_or_404(User, pk=root_id) if root_id else (roots[0] if roots else None)
    context = {"roots": roots, "root": root}
    if root is not None:
        context |= {
            "reach": cascade.get_reach(root.pk),
            "generations": cascade.list_generations(root.pk),
            "drawing": tree.draw(root),
        }
    return render(request, "academy/cascade.html", context)
