"""Contact pages: details, adding a channel, merging."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from servewell.contacts import contacts
from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.desk import contacts as desk_contacts
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_contact,
)
from servewell.desk.forms import (
    ContactAddForm,
    ContactForm,
    ContactMergeForm,
)
from servewell.desk.views.helpers import form_errors


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
            "history": desk_contacts.contact_history(request.user, contact, limit=200),
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
        messages.error(request, form_errors(form))
    return redirect("desk-contact", pk=contact.pk)


@require_POST
@requires(DESK_WORK)
def contact_merge(request: HttpRequest, pk: int) -> HttpResponse:
    source = access_contact(request.user, pk)
    form = ContactMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
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
