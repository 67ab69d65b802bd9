"""The inbox, saved views, taking a conversation, and search."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.desk import (
    bulk,
    conversations,
    queries,
    savedviews,
    search,
)
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_conversation,
)
from servewell.desk.conversations import StaleVersion
from servewell.desk.forms import (
    SaveViewForm,
)
from servewell.desk.models import Channel, Conversation, Priority, Status
from servewell.desk.views.helpers import AFTER_FIELDS, after_action, as_int, flash, safe_next
from servewell.people.teams import visible_team_choices


def _inbox_filters(request: HttpRequest) -> tuple[queries.InboxFilters, Any]:
    saved = None
    data: Any = request.GET
    if request.GET.get("saved"):
        saved = savedviews.get_view(request.user, request.GET["saved"])
        data = saved.filters
    return queries.InboxFilters.parse(data), saved


@requires(DESK_VIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    status = 200
    try:
        filters, saved = _inbox_filters(request)
        page = queries.inbox_page(
            request.user, filters, cursor=request.GET.get("cursor") or None, size=_size(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        filters, saved, status = queries.InboxFilters(), None, 400
        page = queries.inbox_page(request.user, filters, size=25)
    queries.annotate_rows(page.rows)
    context = {
        "page": page,
        "filters": filters,
        "saved": saved,
        "views": queries.view_labels(),
        "extra_view": queries.extra_views().get(filters.view),
        "can_work": can(request.user, DESK_WORK),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "desk/_inbox_rows.html", context, status=status)
    context.update(
        teams=visible_team_choices(request.user),
        statuses=Status.choices,
        channels=Channel.choices,
        saved_views=queries.saved_view_tabs(request.user),
        save_form=SaveViewForm(),
        priorities=Priority.choices,
        bulk_actions=bulk.ACTIONS,
        bulk_people=bulk.assignable_choices(request.user) if context["can_work"] else [],
    )
    return render(request, "desk/inbox.html", context, status=status)


def _size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("size", 25))
    except ValueError:
        return 25
    return size if size in queries.PAGE_SIZES else 25


@require_POST
@requires(DESK_VIEW)
def save_view(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the view to save it.")
        return redirect("desk-inbox")
    filters = {k: request.POST.get(k, "") for k in ("view", "status", "team", "assignee", "tag")}
    filters["channel"] = request.POST.get("channel", "")
    try:
        view = savedviews.save_view(request.user, name=form.cleaned_data["name"], filters=filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk-inbox")
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(f"{reverse('desk-inbox')}?saved={view.pk}")


@require_POST
@requires(DESK_VIEW)
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        savedviews.delete_view(request.user, pk)
        messages.success(request, "The saved view was deleted.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("desk-inbox")


@require_POST
@requires(DESK_WORK)
def take(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    status_before = conversation.status
    version = as_int(request.POST.get("expected_version"))
    error, status = "", 200
    try:
        conversation = conversations.take(request.user, conversation, expected_version=version)
    except StaleVersion as exc:
        conversation, error, status = exc.conversation, _taken_message(exc.conversation), 409
    except DomainError as exc:  # e.g. not an agent of the conversation's team
        error, status = exc.message, 400
    if request.POST.get("from") == "inbox":
        if not request.htmx:
            flash(request, error or f"You took {conversation.reference}.", error)
            return redirect(safe_next(request, request.POST.get("next")) or "desk-inbox")
        row = queries.inbox_rows([conversation.pk])[0]
        return render(
            request,
            "desk/_inbox_row.html",
            {"c": row, "row_error": error, "can_work": True},
            status=status,
        )
    return after_action(
        request,
        conversation,
        error=error,
        status=status,
        notice="Taken.",
        parts=AFTER_FIELDS,
        status_before=status_before,
    )


def _taken_message(conversation: Conversation) -> str:
    who = conversation.assignee or "someone"
    return f"{conversation.reference} changed meanwhile (assigned to {who}); nothing was saved."


@requires(DESK_VIEW)
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    hits = search.search(request.user, q, limit=30) if q else []
    template = "desk/_search_results.html" if request.htmx else "desk/search.html"
    return render(request, template, {"q": q, "hits": hits})
