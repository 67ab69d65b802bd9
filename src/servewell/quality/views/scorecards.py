"""Scorecard screens: list, create, edit the draft, publish."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.quality import queries, scorecards
from servewell.quality.access import QUALITY_MANAGE
from servewell.quality.forms import CriterionForm, ScorecardForm, SectionForm, put_error
from servewell.quality.models import Criterion, Scorecard, ScorecardVersion, Section


@requires(QUALITY_MANAGE)
def scorecard_list(request: HttpRequest) -> HttpResponse:
    form = ScorecardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            card = scorecards.create_scorecard(
                request.user, now=timezone.now(), **form.cleaned_data
            )
            messages.success(request, f"Scorecard {card} created: add sections and criteria.")
            return redirect("quality-scorecard", pk=card.pk)
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "quality/scorecards.html",
        {"scorecards": queries.list_scorecards(), "form": form},
        status=400 if form.errors else 200,
    )


@requires(QUALITY_MANAGE)
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Scorecard, pk=pk)
    draft = scorecards.draft_of(card)
    published = scorecards.latest_published(card)
    return render(
        request,
        "quality/scorecard.html",
        {
            "card": card,
            "draft": queries.version_detail(draft.pk) if draft else None,
            "published": queries.version_detail(published.pk) if published else None,
            "versions": card.versions.all(),
            "section_form": SectionForm(),
            "criterion_form": CriterionForm(),
        },
    )


@requires(QUALITY_MANAGE)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=pk)
    return render(request, "quality/version.html", {"version": queries.version_detail(version.pk)})


def _back(version: ScorecardVersion) -> HttpResponse:
    return redirect("quality-scorecard", pk=version.scorecard_id)


@requires(QUALITY_MANAGE)
@require_POST
def start_draft(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Scorecard, pk=pk)
    draft = scorecards.start_draft(request.user, card, now=timezone.now())
    messages.info(request, f"Draft version {draft.number} is open for changes.")
    return redirect("quality-scorecard", pk=card.pk)


def _run(request: HttpRequest, fn, *args, **kwargs) -> None:
    try:
        fn(request.user, *args, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)


@requires(QUALITY_MANAGE)
@require_POST
def add_section(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=pk)
    form = SectionForm(request.POST)
    if form.is_valid():
        _run(request, scorecards.add_section, version, title=form.cleaned_data["title"])
    else:
        messages.error(request, "A section needs a title.")
    return _back(version)


@requires(QUALITY_MANAGE)
@require_POST
def remove_section(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(Section.objects.select_related("version"), pk=pk)
    _run(request, scorecards.remove_section, section)
    return _back(section.version)


@requires(QUALITY_MANAGE)
@require_POST
def add_criterion(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(Section.objects.select_related("version"), pk=pk)
    form = CriterionForm(request.POST)
    if form.is_valid():
        _run(request, scorecards.add_criterion, section, **form.cleaned_data)
    else:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"The criterion was not added — {errors}")
    return _back(section.version)


@requires(QUALITY_MANAGE)
@require_POST
def remove_criterion(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_object_or_404(Criterion.objects.select_related("version"), pk=pk)
    _run(request, scorecards.remove_criterion, criterion)
    return _back(criterion.version)


@requires(QUALITY_MANAGE)
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=pk)
    try:
        scorecards.publish(request.user, version, now=timezone.now())
        messages.success(request, f"Version {version.number} is published.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(version)
