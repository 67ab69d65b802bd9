"""The public request form: anyone, no account, spam kept out by a honeypot and a rate
limit per address; the requester is sent their reference by email."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from servewell.contacts import contacts
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.core.jobs import job
from servewell.desk import conversations
from servewell.desk.models import AutoReplyLog, Channel, Conversation
from servewell.people import throttle
from servewell.people.models import Team

RATE_LIMIT = 5  # requests …
RATE_WINDOW = 3600  # … per hour and per IP address


class RateLimited(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__(
            "forbidden",
            "You have sent several requests in a short time. Please wait an hour and try "
            "again, or write to us by email.",
        )


def public_teams() -> QuerySet[Team]:
    return Team.objects.filter(is_active=True, desk_settings__public_form=True).order_by("name")


def check_rate(ip: str) -> None:
    """Count this attempt; refuse beyond RATE_LIMIT per window (``throttle``: a fixed
    window, so a burst at a window's edge gets at most twice the limit)."""
    if not throttle.allow(f"webform:{ip or 'unknown'}", limit=RATE_LIMIT, window=RATE_WINDOW):
        raise RateLimited()


def submit_request(
    *,
    name: str,
    email: str,
    team_id: int,
    subject: str,
    message: str,
    ip: str,
    now: datetime | None = None,
    offered: list[Team] | None = None,
) -> Conversation:
    """``offered``: the public teams the form was built from, when the caller has them
    (the view does), so that they are not read twice."""
    check_rate(ip)
    if offered is not None:
        team = next((t for t in offered if t.pk == team_id), None)
    else:
        team = public_teams().filter(pk=team_id).first()
    if team is None:
        raise DomainError("invalid", "Choose one of the teams listed.", field="team")
    body = (message or "").strip()
    if len(body) < 2:
        raise DomainError("invalid", "Tell us what you need.", field="message")
    now = now or timezone.now()
    with transaction.atomic():
        contact = contacts.contact_for_email(email, name)
        conversation, _message = conversations.open_conversation(
            team=team,
            contact=contact,
            subject=subject,
            channel=Channel.WEB,
            now=now,
            body_text=body[:20_000],
        )
        address = contacts.normalise_email(email)
        if not any(check(team) for check in ACKNOWLEDGED_ELSEWHERE.items()):
            transaction.on_commit(lambda: send_request_receipt.enqueue(conversation.pk, address))
    return conversation


#: Checks registered by apps that answer a new web request themselves (commitments: the
#: team's instant acknowledgement, which carries the reference too). Deciding here, when
#: the request arrives, rather than in the receipt job means two workers can never both
#: send: the receipt is not even queued when another answer is coming.
ACKNOWLEDGED_ELSEWHERE: ExtensionPoint[Callable[[Team], bool]] = ExtensionPoint(
    "desk.web_request_acknowledged",
    Callable,
    "check(team) -> bool: True when that app acknowledges the team's web requests, so "
    "the desk's own receipt is not sent.",
)

#: What the thank-you page promises, in the words the acknowledgement email uses
#: (commitments: "today by 15:00 (Europe/London time)"); the first answer wins.
ANSWER_BY: ExtensionPoint[Callable[[Conversation, datetime], str | None]] = ExtensionPoint(
    "desk.web_request_answer_by",
    Callable,
    "answer_by(conversation, now) -> str | None: when a person will answer the request.",
)


def answer_by(conversation: Conversation, *, now: datetime) -> str | None:
    for promise in ANSWER_BY.items():
        if text := promise(conversation, now):
            return text
    return None


@job(retries=5, retry_delay=30)
def send_request_receipt(conversation_id: int, address: str) -> None:
    """The requester's receipt with the reference.

    Queued only when no other app acknowledges the team's requests (see
    ``ACKNOWLEDGED_ELSEWHERE``). Automatic answers are logged per address
    (``AutoReplyLog``): one logged since the request was made (a replayed job) means the
    requester already has it.
    """
    conversation = Conversation.objects.select_related("team", "contact").get(pk=conversation_id)
    if not contacts.still_on_file(conversation.contact_id, address):
        return  # erased or removed since the request was made
    answered = AutoReplyLog.objects.filter(
        address=address, sent_at__gte=conversation.created_at
    ).exists()
    if answered:
        return
    team = conversation.team
    sender = f"{team.name} <{team.email}>" if team.email else settings.DEFAULT_FROM_EMAIL
    first = (conversation.contact.name or "").split()
    greeting = f"Hello {first[0]}," if first else "Hello,"
    body = (
        f"{greeting}\n\n"
        f"Thank you for writing to {team.name}. We have your request and its reference is "
        f"{conversation.reference}.\n\n"
        f"Subject: {conversation.subject}\n\n"
        "You can reply to this email to add anything; keep the reference in the subject so "
        "it reaches the same conversation.\n\n"
        f"{team.name}\n"
    )
    EmailMessage(
        subject=f"[{conversation.reference}] We received your request: {conversation.subject}",
        body=body,
        from_email=sender,
        to=[address],
        reply_to=[team.email] if team.email else None,
        headers={"Auto-Submitted": "auto-replied"},
    ).send()
    AutoReplyLog.objects.create(address=address, sent_at=timezone.now())
