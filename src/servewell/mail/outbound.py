"""Outbound replies by email, threaded the way mail clients expect.

``queue_reply`` runs inside the reply's transaction: it gives the message our own
Message-ID (so the customer's answer threads back by In-Reply-To), works out In-Reply-To
and References, marks it "queued" and enqueues ``send_reply`` after commit. The job sends
through Django's mail backend (SMTP by default) and records "sent" or "failed" with the
error; failures are retried with backoff and end in the dead-letter list.

Subjects carry the reference token "[#1234]" once, so a reply from a client that drops
our headers still threads (see intake).
"""

from __future__ import annotations

import logging
import re
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.html import linebreaks, urlize

from servewell.contacts.models import ContactEmail
from servewell.core import events
from servewell.core.jobs import job
from servewell.desk import customer_links
from servewell.desk.composer import MESSAGE_FORWARDED
from servewell.desk.models import Conversation, Message, MessageKind

log = logging.getLogger(__name__)

#: References keeps the thread's first id and the newest ones (RFC 5322 3.6.4 allows
#: trimming; some servers refuse very long headers).
MAX_REFERENCES = 20
_TOKEN = re.compile(r"\s*\[#\d+\]")
_REPLY_PREFIX = re.compile(r"(?i)^\s*(re|aw|sv|antw|réf|rif)\s*:\s*")


def sender_address(conversation: Conversation) -> str:
    """'Care <care@example.org>' — the team's address, else DEFAULT_FROM_EMAIL."""
    team = conversation.team
    if team.email:
        return formataddr((team.name, team.email))
    return settings.DEFAULT_FROM_EMAIL


def _domain(address: str) -> str:
    _name, addr = parseaddr(address)
    return addr.rsplit("@", 1)[-1] if "@" in addr else "servewell.localhost"


def reply_subject(conversation: Conversation) -> str:
    """'Re: <subject> [#1234]' with one "Re:" and one token, whatever the subject held."""
    subject = _TOKEN.sub("", conversation.subject or "").strip()
    while _REPLY_PREFIX.match(subject):
        subject = _REPLY_PREFIX.sub("", subject, count=1)
    subject = subject or "Your request"
    return f"Re: {subject} [#{conversation.pk}]"


def thread_headers(message: Message) -> tuple[str, str]:
    """(In-Reply-To, References) for an outbound message of its conversation."""
    earlier = list(
        Message.objects.filter(conversation_id=message.conversation_id)
        .exclude(pk=message.pk)
        .exclude(email_message_id="")
        .filter(kind__in=(MessageKind.CUSTOMER, MessageKind.REPLY))
        .order_by("created_at", "id")
        .values_list("kind", "email_message_id")
    )
    customer_ids = [mid for kind, mid in earlier if kind == MessageKind.CUSTOMER]
    in_reply_to = customer_ids[-1] if customer_ids else ""
    chain: list[str] = []
    for _kind, mid in earlier:
        if mid not in chain:
            chain.append(mid)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return in_reply_to, " ".join(chain)


def queue_reply(message: Message) -> None:
    """Give a public reply our Message-ID and threading headers; send it after commit.

    Called by ``conversations.reply`` inside its transaction, for email and web
    conversations.
    """
    conversation = message.conversation
    message.email_message_id = make_msgid(domain=_domain(sender_address(conversation)))
    message.in_reply_to, message.references = thread_headers(message)
    message.delivery_status = "queued"
    message.delivery_error = ""
    message.save(
        update_fields=[
            "email_message_id",
            "in_reply_to",
            "references",
            "delivery_status",
            "delivery_error",
        ]
    )
    send_reply.enqueue(message.pk)


def recipient(conversation: Conversation) -> str:
    """The contact's primary address (else any of theirs); "" when they have none."""
    row = (
        ContactEmail.objects.filter(contact_id=conversation.contact_id)
        .order_by("-is_primary", "id")
        .values_list("address", flat=True)
        .first()
    )
    return row or ""


def build_email(message: Message) -> EmailMultiAlternatives:
    conversation = message.conversation
    to = recipient(conversation)
    if not to:
        raise NoRecipient("The contact has no email address to send to.")
    sender = sender_address(conversation)
    headers = {"Message-ID": message.email_message_id, "Auto-Submitted": "no"}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    # Each reply carries a fresh link to the customer's page (desk/customer_links.py).
    link = customer_links.email_paragraph(conversation, now=timezone.now())
    email = EmailMultiAlternatives(
        subject=reply_subject(conversation),
        body=message.body_text + link,
        from_email=sender,
        to=[to],
        cc=message.cc or None,
        bcc=message.bcc or None,  # the envelope only: Django never writes a Bcc header
        reply_to=[sender],
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html + linebreaks(urlize(link)), "text/html")
    _attach_files(email, message)
    return email


def _attach_files(email: EmailMultiAlternatives, message: Message) -> None:
    for attachment in message.attachments.filter(rejected_reason=""):
        if attachment.file:
            with attachment.file.open("rb") as handle:
                email.attach(attachment.filename, handle.read(), attachment.content_type)


def build_forward(message: Message, *, to: list[str], note: str, by_name: str) -> EmailMessage:
    """A forwarded copy: the covering note, then the original with who wrote it and when,
    and its files. It is not a reply to the customer, so it carries no customer link."""
    conversation = message.conversation
    author = message.author or message.contact or "System"
    original = (
        f"---------- Forwarded message ----------\n"
        f"From: {author}\nDate: {message.created_at:%a %d %b %Y %H:%M %Z}\n"
        f"Subject: {conversation.subject}\n\n{message.body_text}"
    )
    sender = sender_address(conversation)
    email = EmailMessage(
        subject=f"Fwd: {reply_subject(conversation)[4:]}",
        body=(f"{note}\n\n— {by_name}\n\n" if note else "") + original,
        from_email=sender,
        to=to,
        reply_to=[sender],
        headers={"Auto-Submitted": "no"},
    )
    _attach_files(email, message)
    return email


@events.subscribe(MESSAGE_FORWARDED, durable=True)
def send_forward(event: events.Event) -> None:
    """Durable: retried with backoff, and listed under failed jobs when it keeps failing."""
    payload = event.payload
    message = (
        Message.objects.select_related("conversation", "conversation__team", "author", "contact")
        .filter(pk=payload["message"])
        .first()
    )
    if message is None:
        return
    email = build_forward(
        message, to=list(payload["to"]), note=payload.get("note", ""), by_name=payload["by_name"]
    )
    email.send(fail_silently=False)


class NoRecipient(Exception):
    pass


@job(retries=5, retry_delay=30)
def send_reply(message_id: int) -> None:
    """Send one queued reply. Idempotent: a reply already sent is not sent again."""
    message = (
        Message.objects.select_related("conversation", "conversation__team")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.delivery_status == "sent":
        return
    try:
        build_email(message).send(fail_silently=False)
    except NoRecipient as exc:
        _record(message, "failed", str(exc))
        return  # retrying cannot conjure an address
    except Exception as exc:
        # Recorded now so the agent sees it; raised so the job retries with backoff. A
        # later success flips the status to "sent".
        _record(message, "failed", f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("reply not sent", extra={"message": message.pk, "error": str(exc)})
        raise
    _record(message, "sent", "")


def _record(message: Message, status: str, error: str) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_status=status, delivery_error=error)
