"""The public request form: anyone, no account, spam kept out by a honeypot and a rate
limit per address; the requester is sent their reference by email."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from servewell.contacts import contacts
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.core.jobs import drain, job, periodic
from servewell.desk import conversations
from servewell.desk.models import AutoReplyLog, Channel, Conversation, WebRequest
from servewell.people import throttle
from servewell.people.models import Team

log = logging.getLogger(__name__)

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


def receive_request(
    *,
    name: str,
    email: str,
    team_id: int,
    subject: str,
    message: str,
    ip: str,
    now: datetime | None = None,
    offered: list[Team] | None = None,
) -> WebRequest:
    """Check and store a request as the visitor sent it; the worker files it (see
    ``file_web_requests``). ``offered``: the public teams the form was built from, when
    the caller has them (the view does), so that they are not read twice.

    Why not file it here: filing (the contact, the conversation, its first message, its
    search document, the round-robin turn) holds the database's one writer for several
    milliseconds, and a form under a flood would answer no faster than the writer files.
    Stored, the request is as safe as a filed one; filed in batches, each costs less."""
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
    received = WebRequest.objects.create(
        team=team,
        name=(name or "").strip()[:200],
        email=contacts.normalise_email(email)[:254],
        subject=" ".join((subject or "").split())[:300],
        message=body[:20_000],
        ip=(ip or "")[:64],
        received_at=now or timezone.now(),
    )
    transaction.on_commit(_ask_for_filing)
    return received


def submit_request(**fields: Any) -> Conversation:
    """Store a request and file it at once (``receive_request``'s arguments): for callers
    that need the conversation now rather than a fast answer."""
    received = receive_request(**fields)
    file_requests(WebRequest.objects.filter(pk=received.pk))
    received.refresh_from_db()
    if received.conversation is None:
        raise DomainError("invalid", received.reason or "The request could not be filed.")
    return received.conversation


#: Marks a filing job queued and not yet started, in the cache the processes share.
FILING_ASKED = "desk:web-requests-filing-asked"
#: A lost job's mark lapses after this; the sweep files whatever was left meanwhile.
FILING_ASKED_TTL = 60
#: The most requests one transaction files; a full batch is followed by another.
FILE_BATCH = 200
#: A request still waiting after this was left by a lost job: the sweep files it.
STALE_AFTER = timedelta(minutes=2)
_filing = threading.Lock()


def _ask_for_filing() -> None:
    """Queue the filing job unless one is queued and has not started: a request stored
    meanwhile rides on it, since the job files every request waiting when it starts. So
    under a flood each job files a batch as large as the backlog, and a lone request is
    still filed as soon as the worker takes the job."""
    if cache.add(FILING_ASKED, True, FILING_ASKED_TTL):
        file_web_requests.enqueue()


@job(retries=5, retry_delay=10, lane="intake")
def file_web_requests() -> None:
    """File every request waiting, oldest first, in batches of ``FILE_BATCH``."""
    # Unmarked before reading: a request stored after this point queues a job of its
    # own; one stored before it is read here.
    cache.delete(FILING_ASKED)
    waiting = WebRequest.objects.filter(state=WebRequest.State.RECEIVED)
    with _filing:  # one filing job at a time in a process: they would read the same rows
        emptied = drain(lambda: file_requests(waiting), batch=FILE_BATCH, rounds=20)
    if not emptied:
        _ask_for_filing()  # a flood outlasted this job: the next one goes on


@periodic(minute="*")
def file_stale_web_requests() -> None:
    """Requests stored by a form whose filing job was lost (a worker stopped, the queue
    emptied) are filed a few minutes later all the same."""
    stale = WebRequest.objects.filter(
        state=WebRequest.State.RECEIVED, received_at__lt=timezone.now() - STALE_AFTER
    )
    drain(lambda: file_requests(stale), batch=FILE_BATCH)


#: A filed request's row stays this long (the thank-you link lasts an hour), then goes.
KEEP_FILED = timedelta(days=1)


@periodic(minute="23", hour="*")
def prune_filed_web_requests() -> None:
    """Filed requests keep only their conversation's number, for the thank-you page;
    after a day nobody asks for it."""
    WebRequest.objects.filter(
        state=WebRequest.State.FILED, filed_at__lt=timezone.now() - KEEP_FILED
    ).delete()


def file_requests(waiting: QuerySet[WebRequest], *, state: str = WebRequest.State.RECEIVED) -> int:
    """File up to ``FILE_BATCH`` of ``waiting`` (those in ``state``) in one transaction:
    the contacts in one read and bulk inserts, the conversations with their first
    messages in bulk, each visitor's receipt queued. Returns how many were taken.

    A request that cannot be filed is marked FAILED with the reason and keeps what the
    visitor wrote, and the others in its batch are filed all the same. Its own job then
    tries again (``refile_web_request``); should that fail too, the job lands on the
    failed-jobs screen, where an admin sees the reason and can run it again."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            waiting.filter(state=state)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("team__calendar")
            .order_by("received_at", "pk")[:FILE_BATCH]
        )
        if not rows:
            return 0
        try:
            with transaction.atomic():
                conversations_of = _open(rows)
        except Exception:
            log.exception("filing %d web requests together failed; filing each alone", len(rows))
            conversations_of = {}
            for row in rows:
                try:
                    with transaction.atomic():
                        conversations_of.update(_open([row]))
                except Exception as exc:
                    log.exception("web request %s could not be filed", row.pk)
                    row.reason = f"{type(exc).__name__}: {exc}"[:2000]
        filed, failed = [], []
        for row in rows:
            conversation = conversations_of.get(row.pk)
            if conversation is None:
                row.state = WebRequest.State.FAILED
                failed.append(row)
                continue
            _queue_receipt(conversation, row.email)
            # The visitor's words now live in the conversation (and leave with it when
            # the contact is erased): no second copy stays here.
            row.state, row.conversation, row.filed_at = WebRequest.State.FILED, conversation, now
            row.name = row.email = row.subject = row.message = row.ip = row.reason = ""
            filed.append(row)
        WebRequest.objects.bulk_update(
            filed,
            ["state", "conversation", "filed_at", "name", "email", "subject", "message", "ip"]
            + ["reason"],
        )
        WebRequest.objects.bulk_update(failed, ["state", "reason"])
        if state == WebRequest.State.RECEIVED:
            for row in failed:
                pk = row.pk
                transaction.on_commit(lambda pk=pk: refile_web_request.enqueue(pk))
    return len(rows)


@job(retries=3, retry_delay=60)
def refile_web_request(pk: int) -> None:
    """One request that could not be filed with its batch, tried on its own; failing,
    it raises the reason, so that the last failure is kept on the failed-jobs screen."""
    file_requests(WebRequest.objects.filter(pk=pk), state=WebRequest.State.FAILED)
    row = WebRequest.objects.filter(pk=pk).first()
    if row is not None and row.state == WebRequest.State.FAILED:
        raise RuntimeError(f"Web request {pk} could not be filed: {row.reason}")


def _open(rows: list[WebRequest]) -> dict[int, Conversation]:
    found = contacts.contacts_for_emails((r.email, r.name) for r in rows)
    opened = conversations.open_conversations(
        [
            conversations.Opening(
                team=r.team,
                contact=found[r.email],
                subject=r.subject,
                channel=Channel.WEB,
                now=r.received_at,  # the customer's clock started when they sent it
                body_text=r.message,
            )
            for r in rows
        ]
    )
    return {r.pk: c for r, (c, _message) in zip(rows, opened, strict=True)}


def _queue_receipt(conversation: Conversation, address: str) -> None:
    team = conversation.team
    if not any(check(team) for check in ACKNOWLEDGED_ELSEWHERE.items()):
        transaction.on_commit(lambda: send_request_receipt.enqueue(conversation.pk, address))


def received_request(pk: int | None) -> WebRequest | None:
    """The request a thank-you link names, with its conversation once filed."""
    if pk is None:
        return None
    return WebRequest.objects.filter(pk=pk).select_related("conversation", "team__calendar").first()


def answer_by_for(received: WebRequest, *, now: datetime) -> str | None:
    """What the thank-you page promises: from the conversation once filed, else from
    the team's commitments as they apply to a request sent when this one was."""
    conversation = received.conversation or Conversation(
        team=received.team, channel=Channel.WEB, created_at=received.received_at
    )
    return answer_by(conversation, now=now)


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
