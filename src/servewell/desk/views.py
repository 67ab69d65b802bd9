"""Desk pages (htmx): parse the request, call the domain, render a page or a partial.

Every action on a conversation answers an htmx request with out-of-band fragments (the
thread, the side panel, the version, a notice) so that a draft being typed in the
composer is never lost; without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from servewell.core.access import PUBLIC, can, requires
from servewell.core.errors import DomainError
from servewell.desk import (
    assignment,
    calls,
    collisions,
    contacts,
    conversations,
    macros,
    merging,
    queries,
    savedviews,
    search,
    webform,
)
from servewell.desk.access import (
    DESK_ADMIN,
    DESK_VIEW,
    DESK_WORK,
    access_contact,
    access_conversation,
    access_message,
    conversations_for,
)
from servewell.desk.conversations import StaleVersion
from servewell.desk.forms import (
    CallForm,
    ContactAddForm,
    ContactForm,
    ContactMergeForm,
    MacroForm,
    MergeForm,
    ReplyForm,
    SaveViewForm,
    SplitForm,
    TeamSettingsForm,
    UpdateForm,
    WebRequestForm,
)
from servewell.desk.models import Channel, Conversation, Macro, MessageKind, Status
from servewell.people.access import Perm, access_team, can_manage_team, visible_teams
from servewell.people.models import Team

# --- Inbox -------------------------------------------------------------------------------


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
        teams=list(visible_teams(request.user)),
        statuses=Status.choices,
        channels=Channel.choices,
        saved_views=list(queries.saved_views(request.user)),
        save_form=SaveViewForm(),
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
    version = _int(request.POST.get("expected_version"))
    error, status = "", 200
    try:
        conversation = conversations.take(request.user, conversation, expected_version=version)
    except StaleVersion as exc:
        conversation, error, status = exc.conversation, _taken_message(exc.conversation), 409
    if request.POST.get("from") == "inbox":
        if not request.htmx:
            _flash(request, error or f"You took {conversation.reference}.", error)
            return redirect(request.POST.get("next") or "desk-inbox")
        row = queries.inbox_rows([conversation.pk])[0]
        return render(
            request,
            "desk/_inbox_row.html",
            {"c": row, "row_error": error, "can_work": True},
            status=status,
        )
    return _after_action(request, conversation, error=error, status=status, notice="Taken.")


def _taken_message(conversation: Conversation) -> str:
    who = conversation.assignee or "someone"
    return f"{conversation.reference} changed meanwhile (assigned to {who}); nothing was saved."


# --- Conversation page -------------------------------------------------------------------


def _conversation_context(request: HttpRequest, conversation: Conversation, **extra: Any) -> dict:
    user = request.user
    conversation = queries.conversation_with_relations(conversation)
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
        "thread": _presented(queries.conversation_messages(conversation)),
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


def _presented(thread: list) -> list:
    """Customer messages as a person reads them (quotes folded, HTML sanitised) when the
    mail pipeline offers it; plain text otherwise."""
    try:
        from servewell.desk.mail.html import INLINE_IMAGE_TYPES, present
    except ImportError:
        return thread
    for message in thread:
        if message.kind == MessageKind.CUSTOMER:
            images = {
                a.content_id: reverse("mail-attachment", args=[a.pk]) + "?inline=1"
                for a in message.attachments.all()  # prefetched with the thread
                if a.content_id and a.file and a.content_type in INLINE_IMAGE_TYPES
            }
            message.presented = present(message.body_text, message.body_html, images)
    return thread


@requires(DESK_VIEW)
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    collisions.heartbeat(conversation.pk, request.user, "viewing")
    return render(request, "desk/conversation.html", _conversation_context(request, conversation))


def _after_action(
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
        context = _conversation_context(request, conversation, **forms)
        context.update(notice=notice, error=error, reset_composer=reset_composer)
        return render(request, "desk/_oob.html", context, status=status)
    if error:
        context = _conversation_context(request, conversation, **forms)
        context.update(error=error)
        return render(request, "desk/conversation.html", context, status=status)
    if notice:
        messages.success(request, notice)
    return redirect("desk-conversation", pk=conversation.pk)


def _flash(request: HttpRequest, text: str, error: str = "") -> None:
    (messages.error if error else messages.success)(request, text)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_errors(form: Any) -> str:
    return " ".join(f"{e}" for errors in form.errors.values() for e in errors)


@require_POST
@requires(DESK_WORK)
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply or note (optionally from a macro). A stale reply keeps the draft."""
    conversation = access_conversation(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _after_action(
            request, conversation, error=_form_errors(form), status=400, reply_form=form
        )
    data, user = form.cleaned_data, request.user
    try:
        if data["kind"] == "note":
            conversations.add_note(user, conversation, body_text=data["body_text"])
            notice = "Note added."
        elif data.get("macro"):
            macro = macros.macros_for(user, conversation.team).filter(pk=data["macro"]).first()
            if macro is None:
                raise DomainError("invalid", "That macro is not available here.", field="macro")
            macros.apply_macro(
                user,
                conversation,
                macro,
                expected_version=data["expected_version"],
                body_text=data["body_text"],
            )
            notice = f"Reply sent with the macro “{macro.name}”."
        else:
            conversations.reply(
                user,
                conversation,
                body_text=data["body_text"],
                expected_version=data["expected_version"],
                status=data["status"] or None,
            )
            notice = "Reply sent."
    except StaleVersion as exc:
        form = _keep_draft(request, exc.conversation)
        return _after_action(
            request, exc.conversation, error=exc.message, status=409, reply_form=form
        )
    except DomainError as exc:
        return _after_action(request, conversation, error=exc.message, status=400, reply_form=form)
    collisions.heartbeat(conversation.pk, user, "viewing")
    return _after_action(request, conversation, notice=notice, reset_composer=True)


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
    form = UpdateForm(request.POST, people=assignment.assignable_people(conversation.team))
    if not form.is_valid():
        return _after_action(
            request, conversation, error=_form_errors(form), status=400, update_form=form
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
        return _after_action(request, exc.conversation, error=exc.message, status=409)
    except DomainError as exc:
        return _after_action(request, conversation, error=exc.message, status=400, update_form=form)
    if not _visible(request, conversation):
        messages.success(request, f"{conversation.reference} moved to {conversation.team}.")
        return _redirect_htmx(request, reverse("desk-inbox"))
    return _after_action(request, conversation, notice="Saved.")


def _visible(request: HttpRequest, conversation: Conversation) -> bool:
    return conversations_for(request.user).filter(pk=conversation.pk).exists()


def _redirect_htmx(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


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
    return _after_action(request, conversation, notice=notice)


@require_POST
@requires(DESK_WORK)
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    source = access_conversation(request.user, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _after_action(request, source, error=_form_errors(form), status=400, merge_form=form)
    try:
        target = access_conversation(request.user, form.cleaned_data["target"])
        target = merging.merge(request.user, source, target)
    except DomainError as exc:
        return _after_action(request, source, error=exc.message, status=400, merge_form=form)
    except Http404:
        return _after_action(
            request, source, error="No such conversation to merge into.", status=400
        )
    messages.success(request, f"{source.reference} was merged into {target.reference}.")
    return _redirect_htmx(request, reverse("desk-conversation", args=[target.pk]))


@require_POST
@requires(DESK_WORK)
def split(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    form = SplitForm(request.POST)
    subject = form.cleaned_data["subject"] if form.is_valid() else ""
    try:
        new = merging.split(request.user, message, subject=subject)
    except DomainError as exc:
        return _after_action(request, message.conversation, error=exc.message, status=400)
    messages.success(request, f"The message is now conversation {new.reference}.")
    return _redirect_htmx(request, reverse("desk-conversation", args=[new.pk]))


@require_POST
@requires(DESK_WORK)
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_conversation(request.user, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _after_action(
            request, conversation, error=_form_errors(form), status=400, call_form=form
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
        return _after_action(request, conversation, error=exc.message, status=400, call_form=form)
    return _after_action(request, conversation, notice="Call logged.")


@require_http_methods(["GET"])
@requires(DESK_WORK)
def macro_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer's text area filled from the chosen macro, for the agent to edit."""
    conversation = access_conversation(request.user, pk)
    macro, chosen = None, _int(request.GET.get("macro_pick") or request.GET.get("macro"))
    if chosen:
        macro = macros.macros_for(request.user, conversation.team).filter(pk=chosen).first()
    text = macros.render(macro.body, conversation=conversation, agent=request.user) if macro else ""
    return render(request, "desk/_composer_body.html", {"text": text, "macro": macro})


@require_http_methods(["GET"])
@requires(DESK_VIEW)
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """The fresh thread, panel and version, leaving the composer (and its draft) alone."""
    conversation = access_conversation(request.user, pk)
    return _after_action(request, conversation, notice="Showing the latest changes.")


@require_POST
@requires(DESK_VIEW)
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat of an open conversation page: who else is here, and is my copy stale?"""
    conversation = access_conversation(request.user, pk)
    state = request.POST.get("state", "viewing")
    try:
        others = collisions.heartbeat(conversation.pk, request.user, state)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    seen = _int(request.POST.get("expected_version"))
    stale = seen is not None and seen != conversation.version
    return render(
        request,
        "desk/_presence.html",
        {"viewers": others, "stale": stale, "conversation": conversation},
    )


# --- Contacts and search -----------------------------------------------------------------


@requires(DESK_VIEW)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk)
    form = ContactForm(
        request.POST or None,
        initial={
            "name": contact.name,
            "organisation": contact.organisation,
            "notes": contact.notes,
        },
    )
    status = 200
    if request.method == "POST":
        if not can(request.user, DESK_WORK):
            return HttpResponse("You may not change contacts.", status=403)
        if form.is_valid():
            try:
                contacts.update_contact(request.user, contact, **form.cleaned_data)
                messages.success(request, "Contact saved.")
                return redirect("desk-contact", pk=contact.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 400
    return render(
        request,
        "desk/contact.html",
        {
            "contact": contact,
            "form": form,
            "merge_form": ContactMergeForm(),
            "add_form": ContactAddForm(),
            "history": contacts.contact_history(request.user, contact, limit=200),
            "emails": list(contact.emails.all()),
            "phones": list(contact.phones.all()),
            "can_work": can(request.user, DESK_WORK),
        },
        status=status,
    )


@require_POST
@requires(DESK_WORK)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an email address or a phone number to a contact."""
    contact = access_contact(request.user, pk)
    form = ContactAddForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["kind"] == "email":
                contacts.add_email(request.user, contact, form.cleaned_data["value"])
            else:
                contacts.add_phone(request.user, contact, form.cleaned_data["value"])
            messages.success(request, f"Added {form.cleaned_data['value']}.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _form_errors(form))
    return redirect("desk-contact", pk=contact.pk)


@require_POST
@requires(DESK_WORK)
def contact_merge(request: HttpRequest, pk: int) -> HttpResponse:
    source = access_contact(request.user, pk)
    form = ContactMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("desk-contact", pk=source.pk)
    try:
        target = access_contact(request.user, form.cleaned_data["target"])
        contacts.merge_contacts(request.user, source, target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk-contact", pk=source.pk)
    except Http404:
        messages.error(request, "No such contact to merge into.")
        return redirect("desk-contact", pk=source.pk)
    messages.success(request, f"{source} was merged into {target}.")
    return redirect("desk-contact", pk=target.pk)


@requires(DESK_VIEW)
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    hits = search.search(request.user, q, limit=30) if q else []
    template = "desk/_search_results.html" if request.htmx else "desk/search.html"
    return render(request, template, {"q": q, "hits": hits})


# --- Macros and team settings (DESK_ADMIN; team settings also for the team's lead) --------


@requires(DESK_WORK)
def macro_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/macros.html",
        {
            "macros": list(macros.macros_for(request.user)),
            "can_admin": can(request.user, DESK_ADMIN),
        },
    )


@requires(DESK_ADMIN)
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk) if pk else None
    form = MacroForm(request.POST or None, instance=macro)
    form.fields["team"].queryset = Team.objects.filter(is_active=True).order_by("name")
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in MacroForm.Meta.fields}
        try:
            if macro is None:
                macro = macros.create_macro(request.user, **data)
            else:
                macros.update_macro(request.user, macro, **data)
            messages.success(request, f"Macro “{macro.name}” saved.")
            return redirect("desk-macros")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    status = 400 if form.errors else 200
    return render(request, "desk/macro_form.html", {"form": form, "macro": macro}, status=status)


@require_POST
@requires(DESK_ADMIN)
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    macros.delete_macro(request.user, macro)
    messages.success(request, f"Macro “{macro.name}” deleted.")
    return redirect("desk-macros")


@requires(Perm.TEAM_SETTINGS)
def team_settings(request: HttpRequest) -> HttpResponse:
    """Desk settings of the teams the user may manage (admins, managers, the team's leads)."""
    manageable = [t for t in visible_teams(request.user) if can_manage_team(request.user, t)]
    if request.method == "POST":
        team = access_team(request.user, request.POST.get("team"), manage=True)
        form = TeamSettingsForm(request.POST)
        if form.is_valid():
            assignment.update_settings(request.user, team, **form.cleaned_data)
            messages.success(request, f"Desk settings of {team} saved.")
        return redirect("desk-settings")
    rows = [(t, assignment.get_settings(t)) for t in manageable]
    return render(request, "desk/settings.html", {"rows": rows})


# --- The public request form -------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@require_http_methods(["GET", "POST"])
@requires(PUBLIC)
def help_request(request: HttpRequest) -> HttpResponse:
    teams = list(webform.public_teams())
    form = WebRequestForm(request.POST or None, teams=teams)
    status = 200
    if request.method == "POST":
        if request.POST.get("website"):
            # A robot filled the honeypot: look successful, keep nothing.
            return redirect(f"{reverse('help-request-sent')}?r=")
        if form.is_valid():
            data = form.cleaned_data
            try:
                conversation = webform.submit_request(
                    name=data["name"],
                    email=data["email"],
                    team_id=data["team"],
                    subject=data["subject"],
                    message=data["message"],
                    ip=_client_ip(request),
                )
                token = signing.dumps(conversation.pk, salt=SENT_SALT)
                return redirect(f"{reverse('help-request-sent')}?r={token}")
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
        else:
            status = 400
    return render(request, "desk/help_request.html", {"form": form, "teams": teams}, status=status)


SENT_SALT = "desk.webform.sent"


@requires(PUBLIC)
def help_request_sent(request: HttpRequest) -> HttpResponse:
    reference = None
    try:
        reference = f"#{signing.loads(request.GET.get('r', ''), salt=SENT_SALT, max_age=3600)}"
    except signing.BadSignature:
        reference = None
    return render(request, "desk/help_request_sent.html", {"reference": reference})
