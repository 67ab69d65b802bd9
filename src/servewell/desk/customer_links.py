"""Signed links to a customer's own conversation page: no account, just the link.

A link names one conversation and the contact it was mailed to, with the time it was
issued, signed with the project's secret and a salt of its own (``django.core.signing``).
It works for ``CUSTOMER_LINK_DAYS`` after that; each email carries a fresh one. A link
stops working when the conversation no longer belongs to that contact, or the contact has
no address left (erased, or every address removed): it then shows nothing at all.

The desk owns the link, since its outbound mail carries it; the page itself is offered
by an app above (commitments, which knows when a person will answer) under the URL name
``PAGE``. Without such an app installed no link is added to any email.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from servewell.contacts.models import ContactEmail
from servewell.desk.models import Conversation

SALT = "servewell.desk.customer-link"
PAGE = "customer-conversation"


class BadLink(Exception):
    """Tampered, truncated or not ours; the page says so and nothing more."""


class ExpiredLink(BadLink):
    pass


def make_token(conversation: Conversation, *, now: datetime) -> str:
    payload = {"c": conversation.pk, "p": conversation.contact_id, "t": int(now.timestamp())}
    return signing.Signer(salt=SALT).sign_object(payload, compress=False)


def read_token(token: str, *, now: datetime) -> tuple[int, int]:
    """(conversation id, contact id) of a genuine, unexpired link."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token or "")
        conversation_id, contact_id, issued = int(data["c"]), int(data["p"]), int(data["t"])
    except (signing.BadSignature, ValueError, TypeError, KeyError, UnicodeError):
        raise BadLink() from None
    age = now.timestamp() - issued
    if age > timedelta(days=settings.CUSTOMER_LINK_DAYS).total_seconds() or age < -300:
        raise ExpiredLink()
    return conversation_id, contact_id


def open_link(token: str, *, now: datetime) -> Conversation:
    """The conversation a link opens, following merges, or ``BadLink``."""
    conversation_id, contact_id = read_token(token, now=now)
    conversation = (
        Conversation.objects.select_related("team__calendar", "contact")
        .filter(pk=conversation_id)
        .first()
    )
    seen: set[int] = set()
    while conversation is not None and conversation.merged_into_id and conversation.pk not in seen:
        seen.add(conversation.pk)
        conversation = (
            Conversation.objects.select_related("team__calendar", "contact")
            .filter(pk=conversation.merged_into_id)
            .first()
        )
    if conversation is None or not _still_theirs(conversation, contact_id):
        raise BadLink()
    return conversation


def _still_theirs(conversation: Conversation, contact_id: int) -> bool:
    """The contact it was mailed to (or one merged into it since), with an address left."""
    ours = (
        conversation.contact_id == contact_id
        or conversation.contact.merged_contacts.filter(pk=contact_id).exists()
    )
    return ours and ContactEmail.objects.filter(contact_id=conversation.contact_id).exists()


def page_url(conversation: Conversation, *, now: datetime) -> str:
    """The absolute link for an email; "" when no app offers the page."""
    try:
        path = reverse(PAGE, args=[make_token(conversation, now=now)])
    except NoReverseMatch:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def email_paragraph(conversation: Conversation, *, now: datetime, url: str | None = None) -> str:
    """The lines an email to the customer ends with ("" without a page); ``url``: the
    page's link when the caller made it already (each one is signed)."""
    url = page_url(conversation, now=now) if url is None else url
    if not url:
        return ""
    return (
        f"\n\nSee your request, when we will answer, and reply online "
        f"(this link works for {settings.CUSTOMER_LINK_DAYS} days):\n{url}\n"
    )
