"""The quarantine screens for admins: list, inspect, download, retry, discard."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.core.pages import paginate
from servewell.desk.access import DESK_VIEW, access_message
from servewell.desk.html import INLINE_IMAGE_TYPES
from servewell.desk.models import Attachment
from servewell.mail import quarantine
from servewell.mail.access import MAIL_QUARANTINE
from servewell.mail.api import raw_response
from servewell.mail.models import InboundEmail

TABS = [
    (InboundEmail.State.QUARANTINED, "Quarantined"),
    (InboundEmail.State.IGNORED, "Ignored"),
    (InboundEmail.State.DISCARDED, "Discarded"),
    (InboundEmail.State.RECEIVED, "Waiting"),
]


@requires(MAIL_QUARANTINE)
@require_GET
def quarantine_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or InboundEmail.State.QUARANTINED
    try:
        rows = quarantine.list_inbound(state)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("mail-quarantine")
    page = paginate(request, rows, 50)
    return render(
        request, "mail/quarantine_list.html", {"page": page, "state": state, "tabs": TABS}
    )


@requires(MAIL_QUARANTINE)
@require_GET
def quarantine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = quarantine.get_inbound(pk)
    return render(
        request,
        "mail/quarantine_detail.html",
        {"inbound": inbound, "preview": quarantine.preview(inbound)},
    )


@requires(MAIL_QUARANTINE)
@require_GET
def quarantine_raw(request: HttpRequest, pk: int) -> HttpResponse:
    return raw_response(quarantine.get_inbound(pk))


@requires(MAIL_QUARANTINE)
@require_POST
def quarantine_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        result = quarantine.retry(pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("mail-quarantine-detail", pk=pk)
    if result.conversation_id:
        messages.success(
            request, f"Filed: conversation #{result.conversation_id} ({result.state})."
        )
    else:
        messages.warning(request, f"Still not filed ({result.state}): {result.reason}")
    return redirect("mail-quarantine")


@requires(MAIL_QUARANTINE)
@require_POST
def quarantine_discard(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        quarantine.discard(pk, actor=request.user)
        messages.info(request, "Discarded. A re-delivery of this email stays a duplicate.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("mail-quarantine")


@requires(DESK_VIEW)
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An email attachment, for people who may see its conversation (404 otherwise).

    A download, so that a stored HTML or SVG file never renders on our origin — except
    ``?inline=1`` for the raster image types of ``INLINE_IMAGE_TYPES`` (pictures inside a
    mail body), served with their own type, ``nosniff`` and a CSP that allows nothing."""
    attachment = Attachment.objects.filter(pk=pk).only("message_id").first()
    if attachment is None:
        return HttpResponse("No such attachment.", status=404, content_type="text/plain")
    access_message(request.user, attachment.message_id)  # 404 outside the user's teams
    attachment = Attachment.objects.get(pk=pk)
    if attachment.rejected_reason or not attachment.file:
        return HttpResponse(
            attachment.rejected_reason or "This file was not stored.",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_IMAGE_TYPES
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=not inline, filename=attachment.filename
    )
    response["Content-Type"] = attachment.content_type if inline else "application/octet-stream"
    if inline:
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=86400"
    return response
