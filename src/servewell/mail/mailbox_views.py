"""The mailbox screens for admins: list, add, edit, test, fetch now, switch off, delete."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.mail import mailboxes
from servewell.mail.access import MAIL_MAILBOXES
from servewell.mail.models import Mailbox
from servewell.people.models import Team


class MailboxForm(forms.Form):
    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        help_text="New mail goes to the team whose address it was sent to, else to this one.",
    )
    host = forms.CharField(max_length=255, help_text="The IMAP server, e.g. imap.example.com.")
    port = forms.IntegerField(
        initial=993, help_text="993 with SSL; 143 without (STARTTLS is used when offered)."
    )
    use_ssl = forms.BooleanField(required=False, initial=True, label="SSL/TLS from the start")
    username = forms.CharField(max_length=255, label="User name")
    password_env = forms.CharField(
        max_length=100,
        label="Password variable",
        help_text="The name of the environment variable that holds the password, e.g. "
        "CARE_IMAP_PASSWORD. The password itself is never stored here; set the variable "
        "for the web server and the worker.",
    )
    folder = forms.CharField(max_length=255, initial="INBOX")
    move_to = forms.CharField(
        max_length=255,
        required=False,
        label="Move processed mail to",
        help_text="A folder on the server. Empty: processed mail is marked read and stays.",
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (polled every minute)"
    )

    def __init__(self, *args, mailbox: Mailbox | None = None, **kwargs):
        if mailbox is not None:
            kwargs.setdefault("initial", {f: getattr(mailbox, f) for f in mailboxes.FIELDS})
            kwargs["initial"]["team"] = mailbox.team_id
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(is_active=True)
        if mailbox is not None:  # an inactive current team stays visible, to move away from
            teams = teams | Team.objects.filter(pk=mailbox.team_id)
        self.fields["team"].queryset = teams.order_by("name")


@requires(MAIL_MAILBOXES)
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    rows = [(m, mailboxes.password_is_set(m)) for m in mailboxes.list_mailboxes()]
    return render(request, "mail/mailbox_list.html", {"rows": rows})


@requires(MAIL_MAILBOXES)
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add (no ``pk``) or change a mailbox; "Test these settings" tries them unsaved."""
    mailbox = mailboxes.get_mailbox(pk) if pk else None
    form = MailboxForm(request.POST or None, mailbox=mailbox)
    check = None
    if request.method == "POST" and form.is_valid():
        try:
            if "test" in request.POST:
                trial = mailboxes.check_mailbox(mailbox=mailbox, **form.cleaned_data)
                check = mailboxes.test_connection(trial)
            else:
                return _save(request, mailbox, form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context = {
        "form": form,
        "mailbox": mailbox,
        "check": check,
        "password_set": mailbox is not None and mailboxes.password_is_set(mailbox),
    }
    return render(request, "mail/mailbox_form.html", context, status=400 if form.errors else 200)


def _save(request: HttpRequest, mailbox: Mailbox | None, data: dict) -> HttpResponse:
    if mailbox is None:
        created = mailboxes.create_mailbox(request.user, **data)
        messages.success(request, f"Mailbox “{created.name}” added. Test it from the list.")
        return redirect("mail-mailboxes")
    had_bookmark = mailbox.uidvalidity is not None or mailbox.last_uid
    saved = mailboxes.update_mailbox(request.user, mailbox, **data)
    if had_bookmark and saved.uidvalidity is None and not saved.last_uid:
        messages.info(
            request,
            "The server, user or folder changed: the next poll reads the folder from the "
            "start. Mail that was already filed is recognised and not filed twice.",
        )
    messages.success(request, f"Mailbox “{saved.name}” saved.")
    return redirect("mail-mailboxes")


@requires(MAIL_MAILBOXES)
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = mailboxes.get_mailbox(pk)
    check = mailboxes.test_connection(mailbox)
    notify = messages.success if check.ok else messages.error
    notify(request, f"{mailbox.name}: {check.message}")
    return redirect("mail-mailboxes")


@requires(MAIL_MAILBOXES)
@require_POST
def mailbox_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = mailboxes.get_mailbox(pk)
    try:
        result = mailboxes.poll_now(request.user, mailbox)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("mail-mailboxes")
    if result.error:
        messages.error(
            request,
            f"{mailbox.name}: fetching failed ({result.error}). "
            "“Test connection” explains what is wrong.",
        )
    else:
        messages.success(request, f"{mailbox.name}: {mailboxes.summary(result)}")
    return redirect("mail-mailboxes")


@requires(MAIL_MAILBOXES)
@require_POST
def mailbox_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch polling on (``active=1``) or off; settings and bookmark stay."""
    mailbox = mailboxes.get_mailbox(pk)
    turn_on = request.POST.get("active") == "1"
    try:
        if turn_on:
            mailboxes.activate_mailbox(request.user, mailbox)
        else:
            mailboxes.deactivate_mailbox(request.user, mailbox)
        messages.success(request, f"{mailbox.name} is {'on' if turn_on else 'off'}.")
    except DomainError as exc:
        messages.error(request, f"{mailbox.name}: {exc.message}")
    return redirect("mail-mailboxes")


@requires(MAIL_MAILBOXES)
@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = mailboxes.get_mailbox(pk)
    mailboxes.delete_mailbox(request.user, mailbox)
    messages.success(request, f"Mailbox “{mailbox.name}” deleted. The mail it brought in stays.")
    return redirect("mail-mailboxes")
