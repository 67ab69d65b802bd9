"""Shared answers of the desk pages: the conversation context, htmx fragments, flash notices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from servewell.core.access import can
from servewell.core.ids import MAX_ID
from servewell.desk import (
    assignment,
    collisions,
    contacts,
    conversations,
    macros,
    merging,
    queries,
)
from servewell.desk.access import (
    DESK_WORK,
    conversations_for,
)
from servewell.desk.forms import (
    CallForm,
    MergeForm,
    ReplyForm,
    UpdateForm,
)
from servewell.desk.html import INLINE_IMAGE_TYPES, present
from servewell.desk.models import Conversation, MessageKind
from servewell.people.teams import active_team_choices

#: The regions of the conversation page that an answer to an action can refresh on
#: their own. ``panels`` are the side panel's other parts: other apps' panels and the
#: call and merge forms, which no change on the desk alters.
THREAD, DETAILS, CONTACT, ACTIVITY, COMPOSER, PANELS = (
    "thread",
    "details",
    "contact",
    "activity",
    "composer",
    "panels",
)
WHOLE_PAGE = frozenset({THREAD, DETAILS, CONTACT, ACTIVITY, COMPOSER, PANELS})
#: After a reply or a note: the thread, the activity and the fields (a reply may set the
#: status).
AFTER_MESSAGE = frozenset({THREAD, DETAILS, ACTIVITY})
#: After the fields changed: they and the activity.
AFTER_FIELDS = frozenset({DETAILS, ACTIVITY})
#: Either answer adds the contact's history (which shows this conversation's status)
#: when the status moved: ``status_before``.


def conversation_context(
    request: HttpRequest,
    conversation: Conversation,
    *,
    reread: bool = True,
    parts: frozenset[str] = WHOLE_PAGE,
    status_before: str | None = None,
    **extra: Any,
) -> dict:
    """What the conversation page shows, or only the ``parts`` an answer refreshes (each
    part's data is read only when that part is shown). ``reread=False`` when the row was
    just read by ``access_conversation`` (with team, assignee and contact) and nothing
    changed since."""
    user = request.user
    conversation = queries.conversation_with_relations(conversation, reread=reread)
    if status_before is not None and conversation.status != status_before:
        parts = parts | {CONTACT}
    can_work = can(user, DESK_WORK)
    context: dict[str, Any] = {
        "conversation": conversation,
        "parts": parts,
        "whole_panel": {DETAILS, CONTACT, ACTIVITY, PANELS} <= parts,
        "splittable": merging.SPLITTABLE,
        "can_work": can_work,
        "can_change": can_work and not conversation.merged_into_id,
        "MessageKind": MessageKind,
    }
    if THREAD in parts:
        context["thread"] = presented(queries.conversation_messages(conversation))
    if DETAILS in parts:
        update_form = extra.pop("update_form", None) or UpdateForm(
            initial={
                "expected_version": conversation.version,
                "status": conversation.status,
                "priority": conversation.priority,
                "team": conversation.team_id,
                "assignee": conversation.assignee_id,
                "tags": ", ".join(t.name for t in conversation.tags.all()),
            },
            assignees=assignment.assignable_choices(conversation.team_id),
            teams=active_team_choices(),
        )
        context["update_form"] = update_form
        context["following"] = any(f.pk == user.pk for f in conversation.followers.all())
    if CONTACT in parts:
        context["history"] = contacts.contact_history(
            user, conversation.contact, limit=contacts.PANEL_LIMIT
        )
        context["emails"] = contacts.contact_emails(conversation.contact_id)
        context["phones"] = contacts.contact_phones(conversation.contact_id)
    if ACTIVITY in parts:
        context["activity"] = [
            (a, conversations.describe(a))
            for a in queries.conversation_activity(conversation, limit=100)
        ]
    reply_form = extra.pop("reply_form", None)
    if COMPOSER in parts or (reply_form is not None and reply_form.is_bound):
        context["parts"] = parts = parts | {COMPOSER}
        context["macros"] = macros.composer_macros(user, conversation.team)
        context["reply_form"] = reply_form or ReplyForm(
            initial={"expected_version": conversation.version, "kind": "reply"}
        )
    if PANELS in parts:
        context["merge_form"] = extra.pop("merge_form", None) or MergeForm()
        context["call_form"] = extra.pop("call_form", None) or CallForm(
            initial={"direction": "inbound"}
        )
    if parts == WHOLE_PAGE:
        context["viewers"] = collisions.viewers(conversation.pk, exclude=user)
    context.update(extra)
    return context


def presented(thread: list) -> list:
    """Customer messages as a person reads them: quotes folded, HTML sanitised."""
    for message in thread:
        if message.kind == MessageKind.CUSTOMER:
            images = {
                a.content_id: reverse("mail-attachment", args=[a.pk]) + "?inline=1"
                for a in message.attachments.all()  # prefetched with the thread
                if a.content_id and a.file and a.content_type in INLINE_IMAGE_TYPES
            }
            message.presented = present(message.body_text, message.body_html, images)
    return thread


def after_action(
    request: HttpRequest,
    conversation: Conversation,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
    reset_composer: bool = False,
    parts: frozenset[str] = WHOLE_PAGE,
    status_before: str | None = None,
    **forms: Any,
) -> HttpResponse:
    """htmx: the regions the action changed (``parts``), the version and the notice, out
    of band. A refusal refreshes everything: the page was stale or the input wrong, and
    the user should see the whole conversation as it now is; ``reset_composer`` empties
    the composer after a message went out. Otherwise: back to the page
    (or the page again with the error and the user's input, when something was refused)."""
    if request.htmx:
        if error:
            parts = WHOLE_PAGE
        # The composer only when it is emptied after sending, or shows a refused draft
        # (a bound form): otherwise it keeps what the user is typing.
        parts = parts | {COMPOSER} if reset_composer else parts - {COMPOSER}
        context = conversation_context(
            request, conversation, parts=parts, status_before=status_before, **forms
        )
        context.update(notice=notice, error=error)
        return render(request, "desk/_oob.html", context, status=status)
    if error:
        context = conversation_context(request, conversation, **forms)
        context.update(error=error)
        return render(request, "desk/conversation.html", context, status=status)
    if notice:
        messages.success(request, notice)
    return redirect("desk-conversation", pk=conversation.pk)


def flash(request: HttpRequest, text: str, error: str = "") -> None:
    (messages.error if error else messages.success)(request, text)


def as_int(value: Any) -> int | None:
    """A number from a form, or None: also for one no 64-bit column holds."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_ID else None


def form_errors(form: Any) -> str:
    return " ".join(f"{e}" for errors in form.errors.values() for e in errors)


def still_visible(request: HttpRequest, conversation: Conversation) -> bool:
    return conversations_for(request.user).filter(pk=conversation.pk).exists()


def redirect_htmx(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    """A ``next`` from a form: only a path on this site, never elsewhere nor a bad name."""
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return None
