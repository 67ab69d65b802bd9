"""Calibration sessions: start, score blind, close, compare."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.people.access import people_only
from servewell.people.models import RoleGrant, User
from servewell.quality import calibration, queries, reviews
from servewell.quality.access import QUALITY_MANAGE, QUALITY_REVIEW, REVIEWER_ROLES
from servewell.quality.forms import AnswersForm, CalibrationForm, initial_answers, put_error
from servewell.quality.models import CalibrationSession, Review


def _reviewers():
    ids = RoleGrant.objects.filter(role__in=(*REVIEWER_ROLES, "admin")).values("user")
    return people_only(User.objects.filter(pk__in=ids))


@requires(QUALITY_REVIEW)
def session_list(request: HttpRequest) -> HttpResponse:
    manage = can(request.user, QUALITY_MANAGE)
    form = CalibrationForm(request.POST or None, reviewers=_reviewers()) if manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = reviews.conversations_for(request.user).get(pk=data["conversation"])
        except Conversation.DoesNotExist:
            form.add_error("conversation", "No such conversation in your teams.")
        else:
            try:
                session = calibration.start_session(
                    request.user,
                    conversation=conversation,
                    version=data["version"],
                    reviewers=data["reviewers"],
                    title=data["title"],
                    now=timezone.now(),
                )
                return redirect("quality-calibration", pk=session.pk)
            except DomainError as exc:
                put_error(form, exc)
    sessions = calibration.sessions_for(request.user)
    return render(
        request,
        "quality/calibrations.html",
        {
            "sessions": sessions[:50],
            "form": form,
            "alpha": calibration.alpha_across(sessions.filter(state="closed")),
        },
        status=400 if form is not None and form.errors else 200,
    )


@requires(QUALITY_REVIEW)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(calibration.sessions_for(request.user), pk=pk)
    user = request.user
    invited = session.reviewers.filter(pk=user.pk).exists()
    sheet = Review.objects.filter(calibration=session, reviewer=user).first()
    form = None
    if invited and session.state == "open" and (sheet is None or sheet.state == "draft"):
        form = _score_form(request, session, sheet)
        if isinstance(form, HttpResponse):
            return form
    visible = calibration.may_see_results(user, session)
    return render(
        request,
        "quality/calibration.html",
        {
            "session": session,
            "messages_list": queries.conversation_messages(session.conversation_id),
            "form": form,
            "sheet": sheet,
            "results": calibration.results(session) if visible else None,
            "may_close": session.state == "open"
            and (session.started_by_id == user.pk or can(user, QUALITY_MANAGE)),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _score_form(request: HttpRequest, session: CalibrationSession, sheet: Review | None):
    criteria = queries.criteria_of(session.version)
    initial = initial_answers(reviews.current_answers(sheet)) if sheet else {}
    form = AnswersForm(criteria, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            sheet = calibration.my_review(request.user, session, now=now)
            data = {"answers": form.answers(), "comment": form.cleaned_data["comment"]}
            if "submit" in request.POST:
                reviews.submit_review(request.user, sheet, now=now, **data)
                messages.success(request, "Your score is in; here is how the others scored.")
            else:
                reviews.save_answers(request.user, sheet, **data)
                messages.info(request, "Draft saved.")
            return redirect("quality-calibration", pk=session.pk)
        except DomainError as exc:
            put_error(form, exc)
    return form


@requires(QUALITY_REVIEW)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(calibration.sessions_for(request.user), pk=pk)
    try:
        calibration.close_session(request.user, session, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("quality-calibration", pk=session.pk)
