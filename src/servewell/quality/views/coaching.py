"""Coaching sessions: record, acknowledge, add action items, follow up."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id, parse_ids
from servewell.people.access import visible_colleagues
from servewell.quality import coaching
from servewell.quality.access import QUALITY_COACH, QUALITY_VIEW, reviews_for
from servewell.quality.forms import ActionItemForm, CoachingForm, FollowUpForm, put_error
from servewell.quality.models import ActionItem, CoachingSession, Criterion


@requires(QUALITY_VIEW)
def session_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    coach = can(user, QUALITY_COACH)
    people = visible_colleagues(user).exclude(pk=user.pk)
    form = CoachingForm(request.POST or None, people=people) if coach else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        person = data["person"]
        review_ids = parse_ids(request.POST.getlist("reviews"))
        focus_ids = parse_ids(request.POST.getlist("focus"))
        try:
            session = coaching.hold_session(
                user,
                person=person,
                on=data["date"],
                notes=data["notes"],
                reviews=reviews_for(user).filter(pk__in=review_ids),
                focus=Criterion.objects.filter(pk__in=focus_ids),
                items=data["items"],
                now=timezone.now(),
            )
            return redirect("quality-coaching-detail", pk=session.pk)
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "quality/coaching_list.html",
        {"sessions": coaching.sessions_for(user)[:100], "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@requires(QUALITY_VIEW)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(coaching.sessions_for(request.user), pk=pk)
    user = request.user
    is_lead = session.lead_id == user.pk or (
        can(user, QUALITY_COACH) and session.person_id != user.pk
    )
    return render(
        request,
        "quality/coaching.html",
        {
            "session": session,
            "items": session.items.all(),
            "reviews": session.reviews.select_related("conversation", "reviewer"),
            "focus": session.focus.all(),
            "trend": coaching.trend(session),
            "is_person": session.person_id == user.pk,
            "is_lead": is_lead,
            "item_form": ActionItemForm() if is_lead else None,
            "follow_form": FollowUpForm(initial={"notes": session.follow_up_notes})
            if is_lead
            else None,
            "states": ActionItem.State.choices,
        },
    )


def _session(request: HttpRequest, pk: int) -> CoachingSession:
    return get_object_or_404(coaching.sessions_for(request.user), pk=pk)


@requires(QUALITY_VIEW)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    try:
        coaching.acknowledge(request.user, session, now=timezone.now())
        messages.success(request, "Acknowledged.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("quality-coaching-detail", pk=pk)


@requires(QUALITY_COACH)
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            coaching.add_item(request.user, session, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "An action item needs a text and a due date.")
    return redirect("quality-coaching-detail", pk=pk)


@requires(QUALITY_COACH)
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = FollowUpForm(request.POST)
    states = {}
    for key, value in request.POST.items():
        item = parse_id(key[5:]) if key.startswith("item-") else None
        if item is not None and value:
            states[item] = value
    if form.is_valid():
        try:
            coaching.follow_up(
                request.user,
                session,
                notes=form.cleaned_data["notes"],
                states=states,
                now=timezone.now(),
            )
            messages.success(request, "Follow-up recorded.")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("quality-coaching-detail", pk=pk)
