"""The contact page's Privacy section: download a contact's data, erase a contact."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from servewell.contacts import privacy
from servewell.contacts.access import CONTACTS_PRIVACY, access_contact
from servewell.core.access import requires
from servewell.core.errors import DomainError

#: A ZIP up to this size is built in memory, beyond it in a temporary file.
_SPOOL_BYTES = 16 * 1024 * 1024


class EraseForm(forms.Form):
    confirm = forms.CharField(max_length=254, label="Confirmation")


@requires(CONTACTS_PRIVACY)
@require_GET
def contact_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact's data as JSON; ``?files=1``: a ZIP with the attachment files too."""
    contact = access_contact(request.user, pk)
    if request.GET.get("files") == "1":
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
        privacy.write_export_zip(request.user, contact, spool)
        spool.seek(0)
        response: HttpResponse = FileResponse(
            spool,
            as_attachment=True,
            filename=f"contact-{contact.pk}.zip",
            content_type="application/zip",
        )
    else:
        response = HttpResponse(
            privacy.export_json(request.user, contact),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@requires(CONTACTS_PRIVACY)
@require_http_methods(["GET", "POST"])
def contact_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """What erasing would touch, and a form where the person types the confirmation."""
    contact = access_contact(request.user, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.erase_contact(request.user, contact, confirm=form.cleaned_data["confirm"])
        except DomainError as exc:
            form.add_error("confirm" if exc.field == "confirm" else None, exc.message)
        else:
            messages.success(request, f"Contact #{contact.pk} was erased.")
            return redirect("desk-contact", pk=contact.pk)
    return render(
        request,
        "contacts/contact_erase.html",
        {"contact": contact, "form": form, "preview": privacy.erasure_preview(contact)},
        status=400 if form.errors else 200,
    )
