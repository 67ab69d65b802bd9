"""The quarantine: inbound mail that could not be filed, kept with its reason.

An admin reads the reason and the headers, downloads the raw bytes, and either retries
(the stored bytes go through intake again, e.g. after a fix or once a team exists) or
discards it. Discarded mail keeps its row and dedup key, so a re-delivery of the same
email stays a duplicate instead of coming back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone

from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.mail import intake
from servewell.mail.models import InboundEmail
from servewell.mail.parsing import ParseError, decode_bytes, parse

State = InboundEmail.State
#: What the screens list: kept mail that did not become a message.
LISTED_STATES = (State.QUARANTINED, State.IGNORED, State.DISCARDED, State.RECEIVED)
PREVIEW_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type")


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str):
        super().__init__("conflict", message)


def list_inbound(state: str = State.QUARANTINED) -> QuerySet[InboundEmail]:
    """Kept mail in one state, newest first, without loading the raw bytes."""
    if state not in LISTED_STATES:
        raise DomainError("invalid", f"Choose one of: {', '.join(LISTED_STATES)}.", field="state")
    return (
        InboundEmail.objects.filter(state=state)
        .defer("raw")
        .annotate(size=Length("raw"))
        .order_by("-received_at", "-id")
    )


def get_inbound(pk: Any) -> InboundEmail:
    try:
        return InboundEmail.objects.defer("raw").annotate(size=Length("raw")).get(pk=int(pk))
    except (InboundEmail.DoesNotExist, ValueError, TypeError):
        raise Http404("No such inbound email.") from None


def raw_bytes(inbound: InboundEmail) -> bytes:
    return bytes(InboundEmail.objects.values_list("raw", flat=True).get(pk=inbound.pk))


def preview(inbound: InboundEmail) -> dict[str, Any]:
    """Headers and the start of the text, as far as they can be read, for a person."""
    raw = raw_bytes(inbound)
    try:
        parsed = parse(raw)
        headers = [(name, parsed.header(name)) for name in PREVIEW_HEADERS]
        text = parsed.text or parsed.html
    except ParseError as exc:
        headers, text = [], f"({exc})\n\n" + decode_bytes(raw[:4000])
    return {
        "headers": [(n, v) for n, v in headers if v],
        "text": text[:4000],
        "size": len(raw),
    }


def retry(pk: Any, *, actor: Any, now: datetime | None = None) -> intake.IngestResult:
    """Put a quarantined email through intake again, from its stored bytes."""
    now = now or timezone.now()
    inbound = get_inbound(pk)
    with transaction.atomic():
        updated = InboundEmail.objects.filter(pk=inbound.pk, state=State.QUARANTINED).update(
            state=State.RECEIVED, reason=""
        )
        if not updated:
            raise Conflict("Only quarantined mail can be retried.")
        audit.record(
            actor,
            "mail.retried",
            inbound,
            before={"state": inbound.state, "reason": inbound.reason},
            label=f"Inbound email {inbound.pk}",
        )
    inbound.state = State.RECEIVED
    return intake.process(inbound, now=now)


def discard(pk: Any, *, actor: Any, now: datetime | None = None) -> InboundEmail:
    inbound = get_inbound(pk)
    with transaction.atomic():
        updated = InboundEmail.objects.filter(
            pk=inbound.pk, state__in=(State.QUARANTINED, State.IGNORED)
        ).update(state=State.DISCARDED, processed_at=now or timezone.now())
        if not updated:
            raise Conflict("Only quarantined or ignored mail can be discarded.")
        audit.record(
            actor,
            "mail.discarded",
            inbound,
            before={"state": inbound.state, "reason": inbound.reason},
            after={"state": State.DISCARDED},
            label=f"Inbound email {inbound.pk}",
        )
    inbound.state = State.DISCARDED
    return inbound
