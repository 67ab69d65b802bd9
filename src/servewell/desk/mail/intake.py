"""Inbound email: the raw bytes are stored first, then parsed, threaded and filed.

Every door (IMAP polling, the HTTP endpoint, ``import-mail``, a quarantine retry) calls
``ingest``. It runs in two transactions, and that split is the crash-safety argument:

1. The raw bytes are committed as an ``InboundEmail`` row whose ``dedup_key`` is unique
   ("mid:<Message-ID>", else "sha:<SHA-256 of the bytes>"). A second delivery hits the
   unique key and is answered "duplicate" without creating anything.
2. Parsing happens outside any transaction (no lock held while the CPU works); then one
   transaction claims the row with a conditional UPDATE (RECEIVED → PROCESSED, row count
   checked), creates the conversation or message and the attachments, and commits all of
   it together.

A crash between 1 and 2 leaves a RECEIVED row: the next delivery of the same email finds
it and processes it (and a periodic sweep picks up those nobody re-delivers). A crash
inside 2 rolls back the claim with everything else. Two processes racing on one row:
only one UPDATE matches, and ``Message.inbound`` is one-to-one besides. So however a run
ends, a rerun leaves exactly one message per email.

Bad input never stops the pipeline: unreadable mail is QUARANTINED with its reason,
bounces and loops are IGNORED with theirs — the raw bytes stay in both cases.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.desk import contacts, conversations
from servewell.desk.mail import html as mail_html
from servewell.desk.mail.parsing import (
    ParsedAttachment,
    ParsedEmail,
    ParseError,
    parse,
    sniff_message_id,
)
from servewell.desk.models import (
    Attachment,
    Channel,
    Contact,
    Conversation,
    InboundEmail,
    Mailbox,
    Message,
    MessageKind,
)
from servewell.people.models import Team

log = logging.getLogger(__name__)

MAIL_QUARANTINED = events.declare(
    "mail.quarantined", "An inbound email could not be read; it waits in the quarantine."
)
MAIL_IGNORED = events.declare(
    "mail.ignored", "An inbound email was kept but not filed (bounce, loop, auto-reply)."
)

DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
#: Bodies beyond this many characters are cut for display and search; the raw email
#: keeps every byte.
MAX_BODY_CHARS = 1_000_000
_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_SOURCE_MAX = 200


class State:
    NEW = "new"
    THREADED = "threaded"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    IGNORED = "ignored"


@dataclass
class IngestResult:
    state: str
    inbound: InboundEmail
    conversation: Conversation | None = None
    message: Message | None = None
    reason: str = ""

    @property
    def conversation_id(self) -> int | None:
        return self.conversation.pk if self.conversation else None


def attachment_max_bytes() -> int:
    """``DESK_ATTACHMENT_MAX_BYTES`` (settings, from the environment); 25 MiB by default."""
    return int(getattr(settings, "DESK_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


@dataclass
class Directory:
    """Who we are: team addresses (to file new mail) and every address of our own (to
    recognise loops). Load once per batch; a poll or an import does not need fresher."""

    teams_by_address: dict[str, Team] = field(default_factory=dict)
    own_addresses: frozenset[str] = frozenset()
    first_team: Team | None = None

    @classmethod
    def load(cls) -> Directory:
        teams = list(Team.objects.filter(is_active=True).order_by("id"))
        by_address = {t.email.strip().lower(): t for t in teams if t.email}
        for mailbox in Mailbox.objects.filter(is_active=True, team__is_active=True).select_related(
            "team"
        ):
            if "@" in mailbox.username:
                by_address.setdefault(mailbox.username.strip().lower(), mailbox.team)
        own = set(by_address)
        for configured in (settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL):
            with contextlib.suppress(DomainError):
                own.add(contacts.normalise_email(configured))
        return cls(by_address, frozenset(own), teams[0] if teams else None)

    def team_for(self, parsed: ParsedEmail) -> Team | None:
        for address in parsed.recipients:
            if address in self.teams_by_address:
                return self.teams_by_address[address]
        return None


# --- step 1: the raw bytes ----------------------------------------------------------------


def dedup_key(raw: bytes, message_id: str) -> str:
    if message_id:
        return f"mid:{message_id}"[:1000]
    return f"sha:{hashlib.sha256(raw).hexdigest()}"


def store_raw(raw: bytes, *, source: str, now: datetime) -> tuple[InboundEmail, bool]:
    """The InboundEmail for these bytes, created (and committed) unless it exists."""
    message_id = sniff_message_id(raw)
    key = dedup_key(raw, message_id)
    try:  # insert first: new mail is the common case, and the unique key decides races
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                raw=raw,
                raw_sha256=hashlib.sha256(raw).hexdigest(),
                message_id=message_id,
                dedup_key=key,
                source=(source or "unknown")[:_SOURCE_MAX],
                received_at=now,
            )
        return inbound, True
    except IntegrityError:  # delivered before (or racing right now)
        return InboundEmail.objects.defer("raw").get(dedup_key=key), False


# --- step 2: parse, thread, file ------------------------------------------------------------


def ingest(
    raw: bytes,
    *,
    source: str,
    now: datetime | None = None,
    team: Team | None = None,
    default_team: Team | None = None,
    use_header_date: bool = False,
    directory: Directory | None = None,
) -> IngestResult:
    """Store, parse, thread and file one inbound email. See the module docstring.

    ``team`` forces the team of a new conversation (``import-mail --team``); otherwise it
    is the team whose address received it (Delivered-To, To, Cc against team and mailbox
    addresses), else ``default_team`` (a mailbox's team), else the first active team.
    ``use_header_date`` dates the message by its Date header (imports of old mail).
    """
    now = now or timezone.now()
    raw = bytes(raw)
    inbound, _created = store_raw(raw, source=source, now=now)
    if inbound.state != InboundEmail.State.RECEIVED:
        return _duplicate(inbound)
    return process(
        inbound,
        raw=raw,
        now=now,
        team=team,
        default_team=default_team,
        use_header_date=use_header_date,
        directory=directory,
    )


def process(
    inbound: InboundEmail,
    *,
    now: datetime,
    raw: bytes | None = None,
    team: Team | None = None,
    default_team: Team | None = None,
    use_header_date: bool = False,
    directory: Directory | None = None,
) -> IngestResult:
    """Step 2 for a RECEIVED row (also used by retries and the sweep)."""
    if raw is None:
        raw = bytes(InboundEmail.objects.values_list("raw", flat=True).get(pk=inbound.pk))
    try:
        mail = _Mail.read(parse(raw))
    except ParseError as exc:
        return quarantine(inbound, str(exc), now=now)
    directory = directory or Directory.load()
    try:
        return _file(inbound, mail, now, team, default_team, use_header_date, directory)
    except DatabaseError:
        raise  # the database is unwell: leave the row RECEIVED for a rerun
    except DomainError as exc:
        return quarantine(inbound, exc.message, now=now)
    except Exception as exc:
        log.exception("mail intake failed", extra={"inbound": inbound.pk})
        return quarantine(inbound, f"Processing failed: {exc!r}"[:2000], now=now)


@dataclass
class _Mail:
    """Everything intake needs, read out of the parsed email before any transaction, so a
    parse failure surfaces here (and quarantines) rather than halfway through filing."""

    parsed: ParsedEmail
    sender_name: str
    sender: str
    subject: str
    text: str
    html: str
    attachments: list[ParsedAttachment]

    @classmethod
    def read(cls, parsed: ParsedEmail) -> _Mail:
        html = mail_html.sanitise(parsed.html)
        text = parsed.text or mail_html.html_to_text(html)
        mail = cls(
            parsed=parsed,
            sender_name=parsed.from_name,
            sender=parsed.from_address,
            subject=parsed.subject,
            text=_cap(text),
            html=html if len(html) <= MAX_BODY_CHARS else "",  # cut HTML is broken HTML
            attachments=parsed.attachments,
        )
        for name in ("message_id", "thread_ids", "recipients", "is_bounce", "is_auto_reply"):
            getattr(parsed, name)  # force the lazy parts now (ParseError, if any, here)
        try:
            mail.sender = contacts.normalise_email(mail.sender) if mail.sender else ""
        except DomainError:
            mail.sender = ""
        if not mail.sender:
            raise ParseError("No sender address (From, Sender or Reply-To): nobody to answer.")
        return mail


def _cap(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return text[:MAX_BODY_CHARS] + "\n\n[… cut here; the original email holds the rest]"


def _file(
    inbound: InboundEmail,
    mail: _Mail,
    now: datetime,
    team: Team | None,
    default_team: Team | None,
    use_header_date: bool,
    directory: Directory,
) -> IngestResult:
    parsed = mail.parsed
    at = now
    if use_header_date and parsed.date and parsed.date <= now:
        at = parsed.date
    with transaction.atomic():
        claimed = InboundEmail.objects.filter(
            pk=inbound.pk, state=InboundEmail.State.RECEIVED
        ).update(state=InboundEmail.State.PROCESSED, processed_at=now, reason="")
        if not claimed:  # another process filed it a moment ago
            return _duplicate(inbound)
        known = _known_ids(parsed)
        ignore = _reason_to_ignore(mail, directory, known)
        if ignore:
            _note_bounce(parsed, now)
            return _ignore(inbound, ignore)
        contact = contacts.contact_for_email(mail.sender, mail.sender_name)
        conversation = _thread(parsed, contact, known)
        common: dict[str, Any] = {
            "contact": contact,
            "now": at,
            "body_text": mail.text,
            "body_html": mail.html,
            "inbound": inbound,
            "email_message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to,
            "references": " ".join(parsed.references)[:20000],
        }
        if conversation is not None:
            message = conversations.add_customer_message(conversation, **common)
            state = State.THREADED
        else:
            filing_team = team or directory.team_for(parsed) or default_team
            filing_team = filing_team or directory.first_team
            if filing_team is None:
                raise DomainError("invalid", "There is no active team to file new mail under.")
            conversation, message = conversations.open_conversation(
                team=filing_team, subject=mail.subject, channel=Channel.EMAIL, **common
            )
            state = State.NEW
        _store_attachments(message, mail.attachments)
    inbound.state = InboundEmail.State.PROCESSED
    return IngestResult(state, inbound, conversation=conversation, message=message)


def _known_ids(parsed: ParsedEmail) -> dict[str, list[tuple[int, str]]]:
    """Stored messages carrying this email's own Message-ID or the ids it answers:
    {message id: [(conversation id, kind), …]} — one query serves loops and threading."""
    ids = [*parsed.thread_ids, *([parsed.message_id] if parsed.message_id else [])]
    known: dict[str, list[tuple[int, str]]] = {}
    if ids:
        rows = Message.objects.filter(email_message_id__in=ids).values_list(
            "email_message_id", "conversation_id", "kind"
        )
        for message_id, conversation_id, kind in rows:
            known.setdefault(message_id, []).append((conversation_id, kind))
    return known


def _reason_to_ignore(
    mail: _Mail, directory: Directory, known: dict[str, list[tuple[int, str]]]
) -> str:
    parsed = mail.parsed
    if parsed.is_bounce:
        status = "; ".join(
            f"{s.get('final-recipient', '?')}: {s.get('status', '?')}"
            for s in parsed.delivery_status[:3]
        )
        return f"Bounce (delivery status notification){': ' + status if status else ''}."
    if mail.sender in directory.own_addresses:
        return f"Loop: sent from our own address {mail.sender}."
    if any(kind != MessageKind.CUSTOMER for _c, kind in known.get(parsed.message_id, ())):
        return "Loop: this is one of our own outbound emails coming back."
    if parsed.is_auto_reply:
        return f"Automatic reply ({parsed.auto_submitted or 'auto-reply headers'}): not filed."
    return ""


def _note_bounce(parsed: ParsedEmail, now: datetime) -> None:
    """A bounce of one of our replies marks that reply failed, where the agent sees it."""
    if not (parsed.is_bounce and parsed.bounced_message_id):
        return
    reply = (
        Message.objects.filter(email_message_id=parsed.bounced_message_id)
        .exclude(kind=MessageKind.CUSTOMER)
        .select_related("conversation")
        .first()
    )
    if reply is None:
        return
    keys = ("final-recipient", "status", "diagnostic-code")
    details = "; ".join(
        " ".join(filter(None, (s.get(k) for k in keys))) for s in parsed.delivery_status[:3]
    )
    reply.delivery_status = "failed"
    reply.delivery_error = f"Bounced: {details or parsed.subject}"[:2000]
    reply.save(update_fields=["delivery_status", "delivery_error"])
    conversations.record_activity(
        reply.conversation, "reply_bounced", now=now, message=reply.pk, error=reply.delivery_error
    )


def _live_conversation(conversation: Conversation) -> Conversation:
    seen = set()
    while conversation.merged_into_id and conversation.pk not in seen:
        seen.add(conversation.pk)
        conversation = conversation.merged_into
    return conversation


def _live_contact_id(contact_id: int) -> int:
    seen = set()
    while contact_id not in seen:
        seen.add(contact_id)
        merged = Contact.objects.filter(pk=contact_id).values_list("merged_into_id", flat=True)
        nxt = merged.first()
        if not nxt:
            break
        contact_id = nxt
    return contact_id


def _thread(
    parsed: ParsedEmail, contact: Contact, known: dict[str, list[tuple[int, str]]]
) -> Conversation | None:
    """The conversation this email continues: by In-Reply-To/References (against inbound
    and our own outbound Message-IDs), then by the "[#1234]" token in the subject."""
    for message_id in parsed.thread_ids:  # most specific first
        if message_id in known:
            conversation_id = known[message_id][0][0]
            return _live_conversation(Conversation.objects.get(pk=conversation_id))
    for token in _TOKEN.findall(parsed.subject):
        conversation = Conversation.objects.filter(pk=int(token)).first()
        if conversation is not None and _may_join_by_token(conversation, contact):
            return _live_conversation(conversation)
    return None


def _may_join_by_token(conversation: Conversation, contact: Contact) -> bool:
    """A token is easy to guess, so it only threads mail from the conversation's own
    contact or from someone who already wrote on it; anyone else starts afresh."""
    if _live_contact_id(conversation.contact_id) == contact.pk:
        return True
    return Message.objects.filter(conversation=conversation, contact=contact).exists()


def _store_attachments(message: Message, attachments: list[ParsedAttachment]) -> None:
    if not attachments:
        return
    cap = attachment_max_bytes()
    rows = []
    for item in attachments:
        row = Attachment(
            message=message,
            filename=item.filename[:255],
            content_type=item.content_type[:127] or "application/octet-stream",
            size=item.size,
            sha256=hashlib.sha256(item.payload).hexdigest(),
        )
        if item.size > cap:
            row.rejected_reason = (
                f"Larger than the {_human(cap)} limit ({_human(item.size)}), so it was kept "
                "out of storage; the original email still holds it."
            )
        else:
            row.file.save(item.filename, ContentFile(item.payload), save=False)
        rows.append(row)
    Attachment.objects.bulk_create(rows)


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


# --- outcomes ---------------------------------------------------------------------------


def _duplicate(inbound: InboundEmail) -> IngestResult:
    message = Message.objects.filter(inbound=inbound).select_related("conversation").first()
    return IngestResult(
        State.DUPLICATE,
        inbound,
        conversation=message.conversation if message else None,
        message=message,
        reason="Already received.",
    )


def _ignore(inbound: InboundEmail, reason: str) -> IngestResult:
    InboundEmail.objects.filter(pk=inbound.pk).update(
        state=InboundEmail.State.IGNORED, reason=reason
    )
    inbound.state, inbound.reason = InboundEmail.State.IGNORED, reason
    events.publish(MAIL_IGNORED, {"inbound": inbound.pk, "reason": reason})
    return IngestResult(State.IGNORED, inbound, reason=reason)


def quarantine(inbound: InboundEmail, reason: str, *, now: datetime) -> IngestResult:
    """Keep it, with its reason, for an admin to look at; never retried by itself."""
    with transaction.atomic():
        updated = InboundEmail.objects.filter(
            pk=inbound.pk, state=InboundEmail.State.RECEIVED
        ).update(state=InboundEmail.State.QUARANTINED, reason=reason, processed_at=now)
        if updated:
            events.publish(MAIL_QUARANTINED, {"inbound": inbound.pk, "reason": reason})
    if not updated:
        return _duplicate(inbound)
    inbound.state, inbound.reason = InboundEmail.State.QUARANTINED, reason
    log.warning("inbound email quarantined", extra={"inbound": inbound.pk, "reason": reason})
    return IngestResult(State.QUARANTINED, inbound, reason=reason)
