"""The conversation page and every action on it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.desk import (
    assignment,
    calls,
    collisions,
    composer,
    conversations,
    macros,
    mentions,
    merging,
)
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_conversation,
    access_message,
    conversation_version,
)
from servewell.desk.conversations import StaleVersion
from servewell.desk.forms import (
    CallForm,
    ForwardForm,
    MergeForm,
    ReplyForm,
    SplitForm,
    UpdateForm,
)
from servewell.desk.models import Conversation
from servewell.desk.views.helpers import (
    ACTIVITY,
    AFTER_FIELDS,
    AFTER_MESSAGE,
    DETAILS,
    after_action,
    as_int,
    conversation_context,
    form_errors,
    redirect_htmx,
    still_visible,
)
from servewell.people.teams import active_team_choices


@requires(DESK_VIEW)
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    collisions.heartbeat(conversation.pk, request.user, "viewing")
    context = conversation_context(request, conversation, reread=False)
    return render(request, "desk/conversation.html", context)


@require_POST
@requires(DESK_WORK)
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply or note (optionally from a macro). A stale reply keeps the draft."""
    conversation = access_conversation(request.user, pk)
    status_before = conversation.status
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return after_action(
            request, conversation, error=form_errors(form), status=400, reply_form=form
        )
    data, user = form.cleaned_data, request.user
    try:
        uploads = composer.read_uploads(request.FILES.getlist("attachments"))
        if data["kind"] == "note":
            composer.add_note(user, conversation, body_text=data["body_text"], attachments=uploads)
            notice = "Note added."
        else:
            macro = None
            if data.get("macro"):
                macro = macros.macros_for(user, conversation.team).filter(pk=data["macro"]).first()
                if macro is None:
                    raise DomainError("invalid", "That macro is not available here.", field="macro")
            composer.reply(
                user,
                conversation,
                body_text=data["body_text"],
                expected_version=data["expected_version"],
                status=data["status"] or None,
                sign=not data["no_signature"],
                cc=data["cc"],
                bcc=data["bcc"],
                attachments=uploads,
                macro=macro,
            )
            notice = f"Reply sent with the macro “{macro.name}”." if macro else "Reply sent."
    except StaleVersion as exc:
        form = _keep_draft(request, exc.conversation)
        return after_action(
            request, exc.conversation, error=exc.message, status=409, reply_form=form
        )
    except DomainError as exc:
        return after_action(request, conversation, error=exc.message, status=400, reply_form=form)
    collisions.heartbeat(conversation.pk, user, "viewing")
    return after_action(
        request,
        conversation,
        notice=notice,
        reset_composer=True,
        parts=AFTER_MESSAGE,
        status_before=status_before,
    )


def _keep_draft(request: HttpRequest, fresh: Conversation) -> ReplyForm:
    """The user's text back in the composer, now carrying the fresh version: one more
    click sends it once they have read what changed."""
    data = request.POST.copy()
    data["expected_version"] = str(fresh.version)
    return ReplyForm(data)


@require_POST
@requires(DESK_WORK)
def update(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    status_before = conversation.status
    form = UpdateForm(
        request.POST,
        assignees=assignment.assignable_choices(conversation.team_id),
        teams=active_team_choices(),
    )
    if not form.is_valid():
        return after_action(
            request, conversation, error=form_errors(form), status=400, update_form=form
        )
    data = form.cleaned_data
    assignee = None
    if data["assignee"]:
        assignee = (
            assignment.assignable_people(conversation.team).filter(pk=data["assignee"]).first()
        )
    try:
        conversation = conversations.update_conversation(
            request.user,
            conversation,
            expected_version=data["expected_version"],
            status=data["status"],
            priority=data["priority"],
            team=data["team"],
            assignee=assignee,
            tags=form.tag_list(),
        )
    except StaleVersion as exc:
        return after_action(request, exc.conversation, error=exc.message, status=409)
    except DomainError as exc:
        return after_action(request, conversation, error=exc.message, status=400, update_form=form)
    if not still_visible(request, conversation):
        messages.success(request, f"{conversation.reference} moved to {conversation.team}.")
        return redirect_htmx(request, reverse("desk-inbox"))
    return after_action(
        request, conversation, notice="Saved.", parts=AFTER_FIELDS, status_before=status_before
    )


@require_POST
@requires(DESK_WORK)
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    if request.POST.get("on") == "0":
        conversations.unfollow(request.user, conversation)
        notice = "You no longer follow this conversation."
    else:
        conversations.follow(request.user, conversation)
        notice = "You follow this conversation."
    return after_action(request, conversation, notice=notice, parts=frozenset({DETAILS, ACTIVITY}))


@require_POST
@requires(DESK_WORK)
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    source = access_conversation(request.user, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return after_action(request, source, error=form_errors(form), status=400, merge_form=form)
    try:
        target = access_conversation(request.user, form.cleaned_data["target"])
        target = merging.merge(request.user, source, target)
    except DomainError as exc:
        return after_action(request, source, error=exc.message, status=400, merge_form=form)
    except Http404:
        return after_action(
            request, source, error="No such conversation to merge into.", status=400
        )
    messages.success(request, f"{source.reference} was merged into {target.reference}.")
    return redirect_htmx(request, reverse("desk-conversation", args=[target.pk]))


@require_POST
@requires(DESK_WORK)
def split(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    form = SplitForm(request.POST)
    subject = form.cleaned_data["subject"] if form.is_valid() else ""
    try:
        new = merging.split(request.user, message, subject=subject)
    except DomainError as exc:
        return after_action(request, message.conversation, error=exc.message, status=400)
    messages.success(request, f"The message is now conversation {new.reference}.")
    return redirect_htmx(request, reverse("desk-conversation", args=[new.pk]))


@require_POST
@requires(DESK_WORK)
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    form = ForwardForm(request.POST)
    if not form.is_valid():
        return after_action(request, message.conversation, error=form_errors(form), status=400)
    try:
        sent_to = composer.forward(
            request.user, message, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        return after_action(request, message.conversation, error=exc.message, status=400)
    return after_action(request, message.conversation, notice=f"Forwarded to {', '.join(sent_to)}.")


@require_http_methods(["GET"])
@requires(DESK_WORK)
def mentionable(request: HttpRequest, pk: int) -> HttpResponse:
    """The note composer's @autocomplete: people who can see this conversation."""
    conversation = access_conversation(request.user, pk)
    people = mentions.suggest(conversation, request.GET.get("q", ""))
    return JsonResponse({"results": [{"username": p.username, "name": str(p)} for p in people]})


@require_POST
@requires(DESK_WORK)
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        return after_action(
            request, conversation, error=form_errors(form), status=400, call_form=form
        )
    data = form.cleaned_data
    try:
        calls.log_call(
            request.user,
            conversation,
            seconds=data["duration"],
            notes=data["notes"],
            direction=data["direction"],
        )
    except DomainError as exc:
        return after_action(request, conversation, error=exc.message, status=400, call_form=form)
    return after_action(request, conversation, notice="Call logged.")


@require_http_methods(["GET"])
@requires(DESK_WORK)
def macro_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer's text area filled from the chosen macro, for the agent to edit."""
    conversation = access_conversation(request.user, pk)
    macro, chosen = None, as_int(request.GET.get("macro_pick") or request.GET.get("macro"))
    if chosen:
        macro = macros.macros_for(request.user, conversation.team).filter(pk=chosen).first()
    text = macros.render(macro.body, conversation=conversation, agent=request.user) if macro else ""
    return render(request, "desk/_composer_body.html", {"text": text, "macro": macro})


@require_http_methods(["GET"])
@requires(DESK_VIEW)
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """The fresh thread, panel and version, leaving the composer (and its draft) alone."""
    conversation = access_conversation(request.user, pk)
    return after_action(request, conversation, notice="Showing the latest changes.")


@require_POST
@requires(DESK_VIEW)
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat of an open conversation page: who else is here, and is my copy stale?"""
    version = conversation_version(request.user, pk)
    state = request.POST.get("state", "viewing")
    try:
        others = collisions.heartbeat(pk, request.user, state)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    seen = as_int(request.POST.get("expected_version"))
    stale = seen is not None and seen != version
    if not (stale or others):
        return HttpResponse("")  # nobody else here and nothing changed: the usual answer
    return render(
        request,
        "desk/_presence.html",
        {"viewers": others, "stale": stale, "conversation": {"pk": pk}},
    )
