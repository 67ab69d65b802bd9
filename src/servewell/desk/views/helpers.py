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
    SplitForm,
    UpdateForm,
)
from servewell.desk.html import INLINE_IMAGE_TYPES, present
from servewell.desk.models import Conversation, MessageKind


def conversation_context(
    request: HttpRequest, conversation: Conversation, *, reread: bool = True, **extra: Any
) -> dict:
    """What the conversation page shows. ``reread=False`` when the row was just read by
    ``access_conversation`` (with team, assignee and contact) and nothing changed since."""
    user = request.user
    conversation = queries.conversation_with_relations(conversation, reread=reread)
    people = list(assignment.assignable_people(conversation.team))
    update_form = extra.pop("update_form", None) or UpdateForm(
        initial={
            "expected_version": conversation.version,
            "status": conversation.status,
            "priority": conversation.priority,
            "team": conversation.team_id,
            "assignee": conversation.assignee_id,
            "tags": ", ".join(t.name for t in conversation.tags.all()),
        },
        people=people,
    )
    update_form.fields["team"].queryset = update_form.fields["team"].queryset.order_by("name")
    reply_form = extra.pop("reply_form", None) or ReplyForm(
        initial={"expected_version": conversation.version, "kind": "reply"}
    )
    return {
        "conversation": conversation,
        "thread": presented(queries.conversation_messages(conversation)),
        "splittable": merging.SPLITTABLE,
        "activity": [
            (a, conversations.describe(a))
            for a in queries.conversation_activity(conversation, limit=100)
        ],
        "history": contacts.contact_history(user, conversation.contact, limit=20),
        "emails": list(conversation.contact.emails.all()),
        "phones": list(conversation.contact.phones.all()),
        "macros": list(macros.macros_for(user, conversation.team)),
        "following": any(f.pk == user.pk for f in conversation.followers.all()),
        "viewers": collisions.viewers(conversation.pk, exclude=user),
        "can_work": can(user, DESK_WORK),
        "can_change": can(user, DESK_WORK) and not conversation.merged_into_id,
        "update_form": update_form,
        "reply_form": reply_form,
        "merge_form": extra.pop("merge_form", None) or MergeForm(),
        "call_form": extra.pop("call_form", None) or CallForm(initial={"direction": "inbound"}),
        "split_form": SplitForm(),
        "MessageKind": MessageKind,
        **extra,
    }


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
    **forms: Any,
) -> HttpResponse:
    """htmx: the fresh thread, panel and version out of band. Otherwise: back to the page
    (or the page again with the error and the user's input, when something was refused)."""
    if request.htmx:
        context = conversation_context(request, conversation, **forms)
        context.update(notice=notice, error=error, reset_composer=reset_composer)
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
