"""The customer's own page: their conversation as they saw it by mail, its status, and
when a person will answer — the promise, in the open, without an account.

The desk signs and checks the link (``desk.customer_links``); this module reads what the
page shows and files what the customer writes there. A reply goes through the same desk
function as inbound mail (``conversations.add_customer_message``), so it threads, reopens
and restarts the clocks exactly as an email would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from servewell.commitments import sla
from servewell.commitments.acknowledge import answer_by_text
from servewell.core.errors import DomainError
from servewell.desk import conversations
from servewell.desk.models import Conversation, Message, MessageKind, Status
from servewell.people import throttle

PUBLIC_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY)
RESPONSE_CLOCKS = ("first_response", "next_response")
MAX_REPLY = 10_000
REPLY_LIMIT = 10  # replies from the page, per conversation …
ADDRESS_LIMIT = 30  # … and per client address …
REPLY_WINDOW = 3600  # … per hour

STATUS_WORDS = {
    Status.NEW: "Received: with our team",
    Status.OPEN: "Open: with our team",
    Status.PENDING: "Waiting for your reply",
    Status.ON_HOLD: "On hold: we are waiting on something ourselves",
    Status.SOLVED: "Solved",
    Status.CLOSED: "Closed",
}


class TooManyReplies(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__(
            "forbidden", "You have sent several replies in a short time. Please wait a while."
        )


@dataclass(frozen=True)
class CustomerView:
    conversation: Conversation
    status: str
    promise: str  # "A person will answer today by 15:00 (Europe/Berlin time)." or ""
    late: bool
    messages: list[Message]


def get_customer_view(conversation: Conversation, *, now: datetime) -> CustomerView:
    promise, late = _promise(conversation, now)
    messages = list(
        conversation.messages.filter(kind__in=PUBLIC_KINDS).order_by("created_at", "id")
    )
    return CustomerView(
        conversation=conversation,
        status=STATUS_WORDS.get(conversation.status, conversation.get_status_display()),
        promise=promise,
        late=late,
        messages=messages,
    )


def _promise(conversation: Conversation, now: datetime) -> tuple[str, bool]:
    """The running response target, as the team's clock says it — the same clocks the
    agents' panel shows (``sla.clocks_for``)."""
    running = [
        c
        for c in sla.clocks_for(conversation, now)
        if c.kind in RESPONSE_CLOCKS and c.due_at is not None
    ]
    if not running:
        return "", False
    due = min(c.due_at for c in running)
    when = answer_by_text(due, conversation.team.calendar.time_zone, now)
    if due <= now:
        return (
            f"We meant to answer {when} and are late. A person will answer as soon as they can.",
            True,
        )
    return f"A person will answer {when}.", False


def reply_as_customer(
    conversation: Conversation, *, body: str, client: str, now: datetime
) -> Message:
    """File the customer's words on the page as their message. Stored as plain text; the
    page and the agents' screens escape it."""
    text = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) < 2:
        raise DomainError("invalid", "Write your message first.", field="body")
    if len(text) > MAX_REPLY:
        raise DomainError("invalid", f"Keep it under {MAX_REPLY:,} characters.", field="body")
    per_conversation = throttle.allow(
        f"portal:c:{conversation.pk}", limit=REPLY_LIMIT, window=REPLY_WINDOW
    )
    per_client = throttle.allow(f"portal:ip:{client}", limit=ADDRESS_LIMIT, window=REPLY_WINDOW)
    if not (per_conversation and per_client):
        raise TooManyReplies()
    with transaction.atomic():
        return conversations.add_customer_message(
            conversation, contact=conversation.contact, now=now, body_text=text
        )
