"""Cohort screens: the list, a cohort (trainer's controls and learners' table), sessions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.academy import cohorts, queries
from servewell.academy.access import (
    ACADEMY_LEARN,
    ACADEMY_REPORTS,
    ACADEMY_TEACH,
    access_cohort,
    cohorts_for,
    enrollable_people,
    enrollable_team,
    runs,
)
from servewell.academy.forms import CohortForm, SessionForm, put_error
from servewell.academy.models import CourseVersion, Session
from servewell.core.access import Forbidden, can, requires
from servewell.core.errors import DomainError
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id, parse_ids
from servewell.people.access import visible_people
from servewell.people.models import Team


@requires(ACADEMY_LEARN)
def home(request: HttpRequest) -> HttpResponse:
    mine = queries.list_cohorts(cohorts_for(request.user).filter(enrolments__learner=request.user))
    running = queries.list_cohorts(cohorts_for(request.user).filter(trainer=request.user))
    return render(
        request,
        "academy/home.html",
        {"mine": mine, "running": running, "teaches": can(request.user, ACADEMY_TEACH)},
    )


@requires(ACADEMY_LEARN)
def cohort_list(request: HttpRequest) -> HttpResponse:
    versions = queries.published_versions()
    form = CohortForm(request.POST or None, versions=versions)
    if request.method == "POST":
        if not can(request.user, ACADEMY_TEACH):
            raise Forbidden("Only trainers run cohorts.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["version"] = CourseVersion.objects.get(pk=data["version"])
            try:
                cohort = cohorts.create_cohort(
                    request.user, trainer=request.user, now=timezone.now(), **data
                )
                messages.success(request, f"Cohort {cohort} created: enrol its learners.")
                return redirect("academy-cohort", pk=cohort.pk)
            except DomainError as exc:
                put_error(form, exc)
    return render(
        request,
        "academy/cohorts.html",
        {
            "cohorts": queries.list_cohorts(cohorts_for(request.user)),
            "form": form if can(request.user, ACADEMY_TEACH) else None,
        },
        status=400 if form.errors else 200,
    )


@requires(ACADEMY_LEARN)
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk)
    manage = runs(request.user, cohort)
    return render(
        request,
        "academy/cohort.html",
        {
            "cohort": cohort,
            "manage": manage,
            "enrolment": queries.enrolment_of(cohort, request.user),
            "lessons": cohort.version.lessons.all(),
            "rows": queries.learner_rows(cohort),
            "sessions": cohort.sessions.prefetch_related("attendance"),
            "teachbacks": queries.teachbacks_of(cohort),
            "people": enrollable_people(request.user) if manage else (),
            "teams": Team.objects.filter(is_active=True) if manage else (),
            "session_form": SessionForm(),
            "reports": can(request.user, ACADEMY_REPORTS),
        },
    )


@requires(ACADEMY_TEACH)
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk, manage=True)
    now = timezone.now()
    try:
        if team_id := parse_id(request.POST.get("team")):
            team = enrollable_team(request.user, team_id)
            added = cohorts.enrol_team(request.user, cohort, team, now=now)
        else:
            people = enrollable_people(request.user).filter(
                pk__in=parse_ids(request.POST.getlist("person"))
            )
            added = cohorts.enrol(request.user, cohort, people, now=now)
        messages.success(request, f"{len(added)} enrolled.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-cohort", pk=cohort.pk)


@requires(ACADEMY_TEACH)
@require_POST
def add_session(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk, manage=True)
    form = SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A session needs a start date and time.")
        return redirect("academy-cohort", pk=cohort.pk)
    try:
        cohorts.add_session(request.user, cohort, **form.cleaned_data)
        messages.success(request, "Session scheduled.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-cohort", pk=cohort.pk)


@requires(ACADEMY_TEACH)
@require_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    access_cohort(request.user, session.cohort_id, manage=True)
    present = parse_ids(request.POST.getlist("present"))
    count = cohorts.take_attendance(request.user, session, present=present, now=timezone.now())
    messages.success(request, f"Attendance taken: {count} present.")
    return redirect("academy-cohort", pk=session.cohort_id)


@requires(ACADEMY_TEACH)
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk, manage=True)
    try:
        graduated = cohorts.finish_cohort(request.user, cohort, now=timezone.now())
        messages.success(request, f"Cohort finished: {graduated} graduated.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("academy-cohort", pk=cohort.pk)


@requires(ACADEMY_REPORTS)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk)
    rows = queries.cohort_report(cohort, visible_people(request.user))
    if request.GET.get("format") == "csv":
        columns = ["person", "name", "before", "before_reviews", "after", "after_reviews", "change"]
        return csv_response(
            f"cohort-{cohort.pk}-quality.csv", columns, [[r[c] for c in columns] for r in rows]
        )
    return render(request, "academy/report.html", {"cohort": cohort, "rows": rows})
