"""Goodwill pages: grant from a conversation, decide requests, settings, reports."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.desk.access import access_conversation
from servewell.goodwill import actions, decisions, grants, queries
from servewell.goodwill.access import GOODWILL_ADMIN, GOODWILL_GRANT
from servewell.goodwill.forms import ActionForm, DeclineForm, GrantForm, LimitForm, put_error
from servewell.goodwill.models import Limit
from servewell.goodwill.panels import sentence


@requires(GOODWILL_GRANT)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "goodwill/home.html",
        {
            "waiting": queries.list_open_requests(user)[:100],
            "mine": queries.list_my_grants(user)[:50],
        },
    )


@requires(GOODWILL_GRANT)
@require_POST
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    form = GrantForm(request.POST, prefix="goodwill")
    if form.is_valid():
        data = form.cleaned_data
        try:
            grant = grants.grant_goodwill(
                request.user,
                conversation,
                action=data["action"],
                amount=data["amount"],
                reason=data["reason"],
                now=timezone.now(),
            )
        except DomainError as exc:
            put_error(form, exc)
        else:
            if grant.status == "pending":
                messages.info(request, "Above your limit: your request went to the team's leads.")
            else:
                messages.success(request, f"Granted: {grants.describe(grant)}.")
            return redirect("desk-conversation", pk=conversation.pk)
    return render(
        request,
        "goodwill/grant_form.html",
        {"form": form, "conversation": conversation},
        status=400,
    )


@requires(GOODWILL_GRANT)
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = queries.access_grant(request.user, pk)
    return render(
        request,
        "goodwill/grant.html",
        {
            "grant": grant,
            "sentence": sentence(grant),
            "may_decide": decisions.may_decide(request.user, grant),
            "decline_form": DeclineForm(),
        },
    )


@requires(GOODWILL_GRANT)
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the notification's page posts approve, or decline with its reason."""
    grant = queries.access_grant(request.user, pk)
    decision = request.POST.get("decision", "")
    try:
        decisions.decide(
            request.user,
            grant,
            decision=decision,
            reason=request.POST.get("reason", ""),
            now=timezone.now(),
        )
    except DomainError as exc:
        form = DeclineForm(request.POST)
        put_error(form, exc)
        context = {
            "grant": grant,
            "sentence": sentence(grant),
            "decline_form": form,
            "may_decide": decisions.may_decide(request.user, grant),
            "error": exc.message,
        }
        return render(request, "goodwill/grant.html", context, status=exc.status)
    messages.success(request, "Approved." if decision == decisions.APPROVE else "Declined.")
    return redirect("goodwill-grant", pk=grant.pk)


@requires(GOODWILL_ADMIN)
def settings_page(request: HttpRequest) -> HttpResponse:
    action_form = ActionForm(request.POST if "define" in request.POST else None, prefix="a")
    limit_form = LimitForm(request.POST if "limit" in request.POST else None, prefix="l")
    now = timezone.now()
    status = 200
    for form, save in ((action_form, _define), (limit_form, _limit)):
        if form.is_bound:
            if form.is_valid():
                try:
                    save(request, form.cleaned_data, now)
                    return redirect("goodwill-settings")
                except DomainError as exc:
                    put_error(form, exc)
            status = 400
    return render(
        request,
        "goodwill/settings.html",
        {
            "actions": actions.list_actions(),
            "limits": Limit.objects.select_related("action", "team"),
            "action_form": action_form,
            "limit_form": limit_form,
        },
        status=status,
    )


def _define(request: HttpRequest, data: dict, now) -> None:
    actions.define_action(request.user, now=now, **data)
    messages.success(request, f"Saved {data['name']}.")


def _limit(request: HttpRequest, data: dict, now) -> None:
    action = data.pop("action")
    actions.set_limit(request.user, action, now=now, **data)
    messages.success(request, f"Saved the limit for {action}.")
