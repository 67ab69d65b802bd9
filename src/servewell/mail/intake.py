"""Inbound email: the raw bytes are stored first, then parsed, threaded and filed.

Every door (IMAP polling, the HTTP endpoint, ``import-mail``, a quarantine retry) calls
``ingest``. It runs in two transactions, and that split is the crash-safety argument:

1. The raw bytes are committed as an ``InboundEmail`` row whose ``dedup_key`` is unique
   ("mid:<Message-ID>#<content>", else "sha:<content>", where content is a hash of the
   email in a normal form: line endings, mbox ``>From`` quoting and per-delivery trace
   headers do not count). A second delivery of the same email, from IMAP, a Maildir or
   an mbox, hits the unique key and is answered "duplicate" without creating anything.
   A *different* email that reuses a Message-ID (some mailers do) is filed, and the
   reuse is noted on it.
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
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from servewell.contacts import contacts
from servewell.contacts.models import Contact
from servewell.core import events
from servewell.core.errors import DomainError
from servewell.core.jobs import job
from servewell.desk import conversations, merging
from servewell.desk import html as mail_html
from servewell.desk.models import Attachment, Channel, Conversation, Message, MessageKind
from servewell.mail import loops
from servewell.mail.models import InboundEmail, Mailbox
from servewell.mail.parsing import (
    ParsedAttachment,
    ParsedEmail,
    ParseError,
    parse,
    sniff_message_id,
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
    RECEIVED = "received"  # stored; a job files it (``receive_many``)
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

    def team_for(self, parsed: Facts) -> Team | None:
        for address in parsed.recipients:
            if address in self.teams_by_address:
                return self.teams_by_address[address]
        return None


# --- step 1: the raw bytes ----------------------------------------------------------------


#: Headers each delivery adds or rewrites: the same email fetched by IMAP, exported to a
#: Maildir or to an mbox differs in these and nothing else.
_TRACE_HEADERS = frozenset(
    b"received return-path delivered-to x-original-to envelope-to x-envelope-to status "
    b"x-status x-uid x-keywords content-length lines x-mozilla-status x-mozilla-status2 "
    b"x-mozilla-keys x-gmail-labels x-gm-thrid x-spam-status x-spam-score x-spam-level "
    b"x-spam-checker-version x-virus-scanned authentication-results arc-seal "
    b"arc-message-signature arc-authentication-results x-received".split()
)
_MBOX_QUOTED = re.compile(rb"(?m)^>(>*From )")
_LINE_END = re.compile(rb"[ \t]*\r?\n")


def content_hash(raw: bytes) -> str:
    """A hash of the email in a normal form, so one email stored by different means
    hashes the same: LF line ends, no trailing blanks, mbox ``>From`` quoting undone (one
    level, as mboxrd writes it), the mbox separator line and trace headers left out,
    headers unfolded."""
    data = _LINE_END.sub(b"\n", raw).rstrip(b"\n")
    if data.startswith(b"From "):  # an mbox separator line kept by the importer
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    head, sep, body = data.partition(b"\n\n")
    fields = []
    for line in head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n"):
        name = line.split(b":", 1)[0].strip().lower()
        if name not in _TRACE_HEADERS:
            fields.append(line)
    normal = b"\n".join(fields) + sep + _MBOX_QUOTED.sub(rb"\1", body)
    return hashlib.sha256(normal).hexdigest()


def dedup_key(raw: bytes, message_id: str) -> str:
    if message_id:
        return f"mid:{message_id[:900]}#{content_hash(raw)[:32]}"
    return f"sha:{content_hash(raw)}"


def store_raw(raw: bytes, *, source: str, now: datetime) -> tuple[InboundEmail, bool]:
    """The InboundEmail for these bytes, created (and committed) unless it exists."""
    message_id = sniff_message_id(raw)
    key = dedup_key(raw, message_id)
    earlier = _stored_before(raw, message_id)
    if earlier is not None:
        return earlier, False
    try:  # insert first: new mail is the common case, and the unique key decides races
        with transaction.atomic():
            inbound = _new_inbound(raw, message_id, key, source, now)
            inbound.save(force_insert=True)
        return inbound, True
    except IntegrityError:  # delivered before (or racing right now)
        return InboundEmail.objects.defer("raw").get(dedup_key=key), False


def _stored_before(raw: bytes, message_id: str) -> InboundEmail | None:
    """A row stored under the older key form ("mid:<Message-ID>", before content
    counted) that holds this same email."""
    if not message_id:
        return None
    legacy = InboundEmail.objects.filter(dedup_key=f"mid:{message_id}"[:1000]).first()
    return legacy if legacy is not None and _same_email(legacy, raw) else None


def _same_email(row: InboundEmail, raw: bytes) -> bool:
    return content_hash(bytes(row.raw)) == content_hash(raw)


def _note_reused_ids(rows: Sequence[InboundEmail]) -> None:
    """A different email under a Message-ID already on file is filed all the same; the
    reuse is written on it, where the mail screens show it."""
    by_id = {r.message_id: r for r in rows if r.message_id}
    if not by_id:
        return
    earlier = (
        InboundEmail.objects.filter(message_id__in=list(by_id))
        .exclude(pk__in=[r.pk for r in by_id.values()])
        .values_list("message_id", "pk")
    )
    for message_id, pk in earlier:
        row = by_id[message_id]
        note = f"Message-ID reused: email #{pk} has the same Message-ID and other content."
        if note not in row.reason:
            row.reason = note
            InboundEmail.objects.filter(pk=row.pk).update(reason=note)


def _new_inbound(
    raw: bytes, message_id: str, key: str, source: str, now: datetime, digest: str = ""
) -> InboundEmail:
    return InboundEmail(
        raw=raw,
        raw_sha256=digest or hashlib.sha256(raw).hexdigest(),
        message_id=message_id,
        dedup_key=key,
        source=(source or "unknown")[:_SOURCE_MAX],
        received_at=now,
    )


def store_raw_many(
    raws: Sequence[bytes],
    *,
    source: str,
    now: datetime,
    readouts: Sequence[Readout] | None = None,
) -> list[InboundEmail]:
    """Step 1 for a batch: the InboundEmail of each email, in order; the new ones are
    inserted together and committed before anything is parsed. The same email twice in
    one batch gets the same row. ``readouts`` (read in other processes) bring the
    Message-IDs and keys, which are then not computed here."""
    if readouts is not None:
        message_ids = [r.message_id for r in readouts]
        keys = [r.dedup_key for r in readouts]
    else:
        message_ids = [sniff_message_id(raw) for raw in raws]
        keys = [dedup_key(raw, m) for raw, m in zip(raws, message_ids, strict=True)]
    # One look-up for both key forms: rows stored under the older form ("mid:<id>")
    # hold the same email if the content matches (their raw bytes are read only then).
    legacy = {f"mid:{m}"[:1000]: m for m in message_ids if m}
    found = {
        r.dedup_key: r
        for r in InboundEmail.objects.defer("raw").filter(dedup_key__in=[*keys, *legacy])
    }
    rows = {key: found[key] for key in keys if key in found}
    if any(key in found for key in legacy):
        for raw, message_id, key in zip(raws, message_ids, keys, strict=True):
            old = found.get(f"mid:{message_id}"[:1000]) if message_id else None
            if key not in rows and old is not None and _same_email(old, raw):
                rows[key] = old
    fresh: dict[str, InboundEmail] = {}
    for i, (raw, message_id, key) in enumerate(zip(raws, message_ids, keys, strict=True)):
        if key not in rows and key not in fresh:
            digest = readouts[i].raw_sha256 if readouts is not None else ""
            fresh[key] = _new_inbound(raw, message_id, key, source, now, digest)
    if fresh:
        try:
            with transaction.atomic():
                InboundEmail.objects.bulk_create(fresh.values())
            rows.update(fresh)
        except IntegrityError:  # another process stored one of them meanwhile
            for key, row in fresh.items():
                rows[key] = store_raw(bytes(row.raw), source=source, now=now)[0]
    return [rows[key] for key in keys]


# --- step 2: parse, thread, file ------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """How a delivery is filed — the same for every email of a batch.

    ``team`` forces the team of a new conversation (``import-mail --team``); otherwise it
    is the team whose address received it (Delivered-To, To, Cc against team and mailbox
    addresses), else ``default_team`` (a mailbox's team), else the first active team.
    ``use_header_date`` dates the message by its Date header (imports of old mail).
    ``directory``: who we are, loaded once per batch when not given.
    """

    now: datetime
    team: Team | None = None
    default_team: Team | None = None
    use_header_date: bool = False
    directory: Directory | None = None

    def date_of(self, parsed: Facts) -> datetime:
        if self.use_header_date and parsed.date and parsed.date <= self.now:
            return parsed.date
        return self.now

    def team_for(self, parsed: Facts, directory: Directory) -> Team:
        team = self.team or directory.team_for(parsed) or self.default_team
        team = team or directory.first_team
        if team is None:
            raise DomainError("invalid", "There is no active team to file new mail under.")
        return team


def ingest(raw: bytes, *, source: str, **options: Any) -> IngestResult:
    """Store, parse, thread and file one inbound email (``options``: as ``ingest_many``).
    See the module docstring."""
    return ingest_many([raw], source=source, **options)[0]


def ingest_many(
    raws: Sequence[bytes],
    *,
    source: str,
    now: datetime | None = None,
    team: Team | None = None,
    default_team: Team | None = None,
    use_header_date: bool = False,
    directory: Directory | None = None,
    readouts: Sequence[Readout] | None = None,
) -> list[IngestResult]:
    """``ingest`` for a batch (an import, a mailbox poll), one result per email in order;
    the options are those of ``Filing``.

    The same two steps and the same guarantees as one email at a time, but each step
    runs once for the batch: one insert for the raw bytes, one transaction that files
    them all. New conversations are opened together (``conversations.open_conversations``)
    and contacts looked up together. If anything but the database fails while filing,
    the batch is rolled back and each email filed on its own, so one bad email is
    quarantined and the others are filed as if it had never been there.

    ``readouts``, one per email, are the emails already read (``read_out``, in worker
    processes: ``mail/parallel.py``); this process then only stores and files.
    """
    filing = Filing(now or timezone.now(), team, default_team, use_header_date, directory)
    raws = [bytes(raw) for raw in raws]
    stored = store_raw_many(raws, source=source, now=filing.now, readouts=readouts)
    results: list[IngestResult | None] = [None] * len(raws)
    todo: list[int] = []
    first_of: dict[int, int] = {}
    for i, inbound in enumerate(stored):
        if inbound.state != InboundEmail.State.RECEIVED or first_of.setdefault(inbound.pk, i) != i:
            continue
        todo.append(i)
    filed = _process(
        [(stored[i], raws[i], readouts[i] if readouts is not None else None) for i in todo],
        filing,
    )
    for i, result in zip(todo, filed, strict=True):
        results[i] = result
    repeats = [i for i, r in enumerate(results) if r is None]
    for i, result in zip(repeats, _duplicates([stored[i] for i in repeats]), strict=True):
        results[i] = result
    return results  # type: ignore[return-value]  # every slot is filled above


def receive_many(
    raws: Sequence[bytes], *, source: str, now: datetime | None = None
) -> list[IngestResult]:
    """Step 1 alone, for a delivery answered as soon as the bytes are safe (the inbound
    endpoint with ``Prefer: respond-async``): the emails are committed and one job files
    them (step 2) in the worker. A flood of mail is then taken in at the speed of an
    insert, and filed in batches beside it. Mail received before answers "duplicate",
    as with ``ingest``; a crash before the job ran leaves RECEIVED rows for the sweep."""
    raws = [bytes(raw) for raw in raws]
    stored = store_raw_many(raws, source=source, now=now or timezone.now())
    waiting = [r.pk for r in stored if r.state == InboundEmail.State.RECEIVED]
    if waiting:
        _ask_for_filing(list(dict.fromkeys(waiting)), early=source.startswith(EARLY_SOURCE))
    results: list[IngestResult | None] = [
        IngestResult(State.RECEIVED, r, reason="Stored; it is being filed.")
        if r.state == InboundEmail.State.RECEIVED
        else None
        for r in stored
    ]
    earlier = [i for i, r in enumerate(results) if r is None]
    for i, result in zip(earlier, _duplicates([stored[i] for i in earlier]), strict=True):
        results[i] = result
    return results  # type: ignore[return-value]  # every slot is filled above


#: The source of mail answered early begins so: its filing jobs take one another's rows.
EARLY_SOURCE = "http-async:"
#: The most rows one round of a filing job files; a full round is followed by another.
FILE_BATCH = 200
_filing = threading.Lock()
#: Marks a filing job queued and not yet started, in the cache the processes share.
FILING_ASKED = "mail:filing-asked"
#: A lost job's mark lapses after this; the next delivery queues another, and the sweep
#: (``jobs.file_stale_received_mail``) files whatever is left.
FILING_ASKED_TTL = 60


def _ask_for_filing(inbound_ids: list[int], *, early: bool) -> None:
    """Queue the filing job, unless one is queued and has not started yet: mail answered
    early rides on it, since that job files every early row waiting when it starts.

    Why: under a flood, a job per delivery meant the worker filed one email at a time
    (a transaction, the directory read, the dedup lookups and the follow-up jobs of
    clocks and acknowledgements, per email), and so kept the web process waiting for the
    database's writer. With one job at a time, each files everything that arrived while
    the one before it ran: batches grow with the load, and a lone email is still filed
    as soon as the worker takes it."""
    if not early or cache.add(FILING_ASKED, True, FILING_ASKED_TTL):
        file_received.enqueue(inbound_ids)


@job(retries=5, retry_delay=10, lane="intake")
def file_received(inbound_ids: list[int]) -> None:
    """Step 2 for mail ``receive_many`` stored: these rows, and with them every other row
    answered early and still waiting (oldest first), so that under a flood the worker
    files in batches as large as the backlog, whatever size each delivery's batch was;
    the jobs that come after find their rows filed. Rows filed meanwhile (a re-delivery,
    the sweep) are skipped; a database failure leaves them RECEIVED for the retry."""
    # Unmarked before the rows are read: a delivery stored after this point queues a
    # job of its own, one stored before it is read here.
    cache.delete(FILING_ASKED)
    waiting = InboundEmail.objects.filter(state=InboundEmail.State.RECEIVED).filter(
        Q(pk__in=inbound_ids) | Q(source__startswith=EARLY_SOURCE)
    )
    # One filing job at a time in a process: two would read the same rows, parse them
    # both, and one would find them claimed by the other.
    with _filing:
        _file_waiting(waiting)


def _file_waiting(waiting: Any) -> None:
    for _round in range(10):
        items = [
            (row, bytes(row.raw)) for row in waiting.order_by("received_at", "pk")[:FILE_BATCH]
        ]
        if items:
            process_many(items, Filing(timezone.now()))
        if len(items) < FILE_BATCH:
            return


def process(inbound: InboundEmail, *, raw: bytes | None = None, **options: Any) -> IngestResult:
    """Step 2 for a RECEIVED row (also used by retries and the sweep); ``options``: the
    fields of ``Filing`` (``now`` required)."""
    return process_many([(inbound, raw)], Filing(**options))[0]


def process_many(
    items: Sequence[tuple[InboundEmail, bytes | None]], filing: Filing
) -> list[IngestResult]:
    """Step 2 for RECEIVED rows: parse each (outside any transaction), then file them."""
    return _process([(inbound, raw, None) for inbound, raw in items], filing)


def _process(
    items: Sequence[tuple[InboundEmail, bytes | None, Readout | None]], filing: Filing
) -> list[IngestResult]:
    """Step 2, for emails read here or (with a readout) in another process."""
    results: list[IngestResult | None] = [None] * len(items)
    readable: list[_Item] = []
    for i, (inbound, raw, readout) in enumerate(items):
        if readout is None:
            if raw is None:
                raw = bytes(InboundEmail.objects.values_list("raw", flat=True).get(pk=inbound.pk))
            readout = read_out(raw, keys=False)
        if readout.mail is None:
            results[i] = quarantine(inbound, readout.error, now=filing.now)
        else:
            readable.append(_Item(i, inbound, readout.mail))
    if readable:
        if filing.directory is None:  # once for the batch, not once per email
            filing = replace(filing, directory=Directory.load())
        try:
            filed = _file(readable, filing)
        except DatabaseError:
            raise  # the database is unwell: leave the rows RECEIVED for a rerun
        except Exception as exc:
            if len(readable) == 1:
                filed = [_failed(readable[0], exc, filing.now)]
            else:  # find the bad one: each on its own
                filed = [_file_alone(item, filing) for item in readable]
        for item, result in zip(readable, filed, strict=True):
            results[item.index] = result
    return results  # type: ignore[return-value]  # every slot is filled above


def _file_alone(item: _Item, filing: Filing) -> IngestResult:
    try:
        return _file([item], filing)[0]
    except DatabaseError:
        raise
    except Exception as exc:
        return _failed(item, exc, filing.now)


def _failed(item: _Item, exc: Exception, now: datetime) -> IngestResult:
    if isinstance(exc, DomainError):
        return quarantine(item.inbound, exc.message, now=now)
    log.exception("mail intake failed", extra={"inbound": item.inbound.pk})
    return quarantine(item.inbound, f"Processing failed: {exc!r}"[:2000], now=now)


@dataclass(frozen=True)
class Facts:
    """What filing reads of a parsed email, copied out of it: small and picklable (no
    ``email.Message`` tree), so another process can parse and hand this over."""

    message_id: str
    in_reply_to: str
    references: list[str]
    thread_ids: list[str]
    recipients: list[str]
    subject: str
    date: datetime | None
    is_bounce: bool
    is_auto_reply: bool
    auto_submitted: str
    delivery_status: list[dict[str, str]]
    bounced_message_id: str

    @classmethod
    def of(cls, parsed: ParsedEmail) -> Facts:
        """Raises ParseError when a lazy part of the email cannot be read."""
        return cls(**{name: getattr(parsed, name) for name in _FACTS})


_FACTS = tuple(Facts.__dataclass_fields__)


@dataclass(frozen=True)
class Readout:
    """One email read: its keys for step 1 and, unless it is unreadable (``error`` says
    why), what step 2 files. Picklable: worker processes return it."""

    message_id: str
    dedup_key: str
    raw_sha256: str
    mail: _Mail | None
    error: str = ""

    @classmethod
    def failed(cls, raw: bytes, reason: str) -> Readout:
        """The readout of an email its reader could not return (the worker process died
        on it): stored, then quarantined with ``reason``."""
        message_id = sniff_message_id(raw)
        digest = hashlib.sha256(raw).hexdigest()
        return cls(message_id, dedup_key(raw, message_id), digest, None, reason)


def read_out(raw: bytes, *, keys: bool = True) -> Readout:
    """Everything this process can do for an email without the database: the keys of step
    1 (``keys``) and the parse of step 2. Never raises: an unreadable email (or one the
    reader failed on) comes back with the reason it will be quarantined for."""
    message_id = key = digest = ""
    if keys:
        message_id = sniff_message_id(raw)
        key, digest = dedup_key(raw, message_id), hashlib.sha256(raw).hexdigest()
    try:
        return Readout(message_id, key, digest, _Mail.read(parse(raw)))
    except ParseError as exc:
        return Readout(message_id, key, digest, None, str(exc))
    except Exception as exc:  # a bug in a reader: this email waits in the quarantine
        log.exception("reading an inbound email failed")
        return Readout(message_id, key, digest, None, f"Processing failed: {exc!r}"[:2000])


@dataclass
class _Mail:
    """Everything intake needs, read out of the parsed email before any transaction, so a
    parse failure surfaces here (and quarantines) rather than halfway through filing."""

    parsed: Facts
    sender_name: str
    sender: str
    subject: str
    text: str
    html: str
    attachments: list[ParsedAttachment]
    #: ``loops.header_reason``, read now from the whole parse: an acknowledgement or a
    #: survey later reads it from the stored row instead of parsing the email again.
    no_auto_reply: str = ""

    @classmethod
    def read(cls, parsed: ParsedEmail) -> _Mail:
        html = mail_html.sanitise(parsed.html)
        text = parsed.text or mail_html.html_to_text(html)
        mail = cls(
            parsed=Facts.of(parsed),  # forces the lazy parts now (ParseError, if any, here)
            sender_name=parsed.from_name,
            sender=parsed.from_address,
            subject=parsed.subject,
            text=_cap(text),
            html=html if len(html) <= MAX_BODY_CHARS else "",  # cut HTML is broken HTML
            attachments=parsed.attachments,
            no_auto_reply=loops.parsed_header_reason(parsed),
        )
        try:
            mail.sender = contacts.normalise_email(mail.sender) if mail.sender else ""
        except DomainError:
            mail.sender = ""
        if not mail.sender:
            reason = "No sender address (From, Sender or Reply-To): nobody to answer."
            if not parsed.has_header("from") and parsed.defects:
                reason += f" The header block is damaged: {', '.join(parsed.defects[:3])}."
            raise ParseError(reason)
        return mail


def _cap(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return text[:MAX_BODY_CHARS] + "\n\n[… cut here; the original email holds the rest]"


@dataclass
class _Item:
    index: int
    inbound: InboundEmail
    mail: _Mail


def _file(items: Sequence[_Item], filing: Filing) -> list[IngestResult]:
    """File parsed emails in one transaction, in order.

    Three passes: decide for each email (ignore it, continue a conversation, or open a
    new one — a reply to an email earlier in the same batch counts as a reply), then open
    the new conversations together, then add the replies together
    (``conversations.add_customer_messages``: each as if added alone, in order)."""
    now, directory = filing.now, filing.directory or Directory.load()
    results: list[IngestResult | None] = [None] * len(items)
    with transaction.atomic():
        claimed = _claim({item.inbound.pk: item.mail.no_auto_reply for item in items}, now)
        _note_reused_ids([item.inbound for item in items if item.inbound.pk in claimed])
        known = _known_ids([item.mail.parsed for item in items])
        to_file = []
        for n, item in enumerate(items):
            if item.inbound.pk not in claimed:  # another process filed it a moment ago
                results[n] = _duplicate(item.inbound)
                continue
            ignore = _reason_to_ignore(item.mail, directory, known)
            if ignore:
                _note_bounce(item.mail.parsed, now)
                results[n] = _ignore(item.inbound, ignore)
                continue
            to_file.append(n)
        people = contacts.contacts_for_emails(
            (items[n].mail.sender, items[n].mail.sender_name) for n in to_file
        )
        openings: list[conversations.Opening] = []
        # item -> the conversation it continues, or the index of a new one of this batch
        target: dict[int, Conversation | _Known | int] = {}
        opens: dict[int, int] = {}  # item -> the index of the conversation it opens
        in_batch: dict[str, Conversation | _Known | int] = {}  # Message-ID -> the same
        for n in to_file:
            mail, inbound = items[n].mail, items[n].inbound
            parsed = mail.parsed
            contact = people[mail.sender]
            at = filing.date_of(parsed)
            found = _thread(parsed, contact, known, in_batch)
            if found is None:
                found = opens[n] = len(openings)
                openings.append(
                    conversations.Opening(
                        team=filing.team_for(parsed, directory),
                        subject=mail.subject,
                        channel=Channel.EMAIL,
                        **_message_fields(mail, inbound, contact, at),
                    )
                )
            target[n] = found
            if parsed.message_id:
                in_batch.setdefault(parsed.message_id, found)
        opened = conversations.open_conversations(openings) if openings else []
        replies: list[tuple[Conversation | int, dict[str, Any]]] = []
        for n in to_file:
            if n not in opens:
                item = items[n]
                found = target[n]
                if isinstance(found, int):
                    found = opened[found][0]
                elif isinstance(found, _Known):
                    found = found.conversation_id
                at = filing.date_of(item.mail.parsed)
                fields = _message_fields(item.mail, item.inbound, people[item.mail.sender], at)
                replies.append((found, fields))
        added = iter(conversations.add_customer_messages(replies))
        attachments = []
        for n in to_file:
            item = items[n]
            if n in opens:
                conversation, message = opened[opens[n]]
                state = State.NEW
            else:
                message = next(added)
                conversation = message.conversation  # the live one, merges followed
                state = State.THREADED
            attachments.append((message, item.mail.attachments))
            item.inbound.state = InboundEmail.State.PROCESSED
            results[n] = IngestResult(state, item.inbound, conversation, message)
        _store_attachments(attachments)
        _join_early_replies([r.message for r in results if r is not None and r.message], now)
    return results  # type: ignore[return-value]  # every slot is filled above


def _join_early_replies(filed: Sequence[Message], now: datetime) -> None:
    """Replies that arrived before the email they answer (a Maildir is not read in date
    order; IMAP folders and imports cross) opened conversations of their own. Now that
    the original is here, each such conversation — one the early reply opened, still
    separate — is merged into the original's. Chains resolve as their links arrive."""
    by_id = {m.email_message_id: m.conversation_id for m in filed if m.email_message_id}
    if not by_id:
        return
    # The answers first, then which of their conversations still stand: in one query
    # the planner may start from the conversations instead, all of them.
    early = list(
        Message.objects.answering(by_id)
        .filter(kind=MessageKind.CUSTOMER)
        .order_by()
        .values_list("pk", "conversation_id", "in_reply_to")
    )
    if not early:
        return
    standing = set(
        Conversation.objects.filter(
            pk__in={c for _pk, c, _r in early}, merged_into__isnull=True
        ).values_list("pk", flat=True)
    )
    early = [e for e in early if e[1] in standing]
    for conversation_id, answers in sorted({(c, r) for _pk, c, r in early}):
        if Conversation.objects.filter(pk=conversation_id, merged_into__isnull=False).exists():
            continue  # joined a moment ago, through another of its messages
        target = Conversation.objects.get(pk=by_id[answers])
        while target.merged_into_id:  # the original's conversation may itself be merged
            target = Conversation.objects.get(pk=target.merged_into_id)
        if target.pk != conversation_id and _opened_by_a_reply(conversation_id, by_id):
            source = Conversation.objects.get(pk=conversation_id)
            merging.merge(None, source, target, now=now)


def _opened_by_a_reply(conversation_id: int, filed_ids: dict[str, int]) -> bool:
    """True when the conversation began as a reply to mail we had not seen: its first
    message answers an email now on file (here or in the conversation itself, where
    earlier early replies were joined). A conversation that began with a fresh email is
    never merged away by this."""
    messages = Message.objects.filter(conversation_id=conversation_id).order_by("pk")
    first = messages.values_list("in_reply_to", flat=True).first()
    if not first:
        return False
    own = set(messages.exclude(email_message_id="").values_list("email_message_id", flat=True))
    return first in own or first in filed_ids


def _message_fields(
    mail: _Mail, inbound: InboundEmail, contact: Contact, at: datetime
) -> dict[str, Any]:
    parsed = mail.parsed
    return {
        "contact": contact,
        "now": at,
        "body_text": mail.text,
        "body_html": mail.html,
        "inbound": inbound,
        "email_message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": " ".join(parsed.references)[:20000],
    }


def _claim(blocks: dict[int, str], now: datetime) -> set[int]:
    """Take RECEIVED rows for this transaction; rows another process holds are skipped
    (it is filing them). SQLite has one writer at a time, so there the read is enough.
    ``blocks``: each row's ``auto_reply_block``, stored with the claim."""
    claimed = set(
        InboundEmail.objects.select_for_update(skip_locked=True)
        .order_by()
        .filter(pk__in=list(blocks), state=InboundEmail.State.RECEIVED)
        .values_list("pk", flat=True)
    )
    if claimed:
        InboundEmail.objects.filter(pk__in=claimed).update(
            state=InboundEmail.State.PROCESSED, processed_at=now, reason="", auto_reply_block=""
        )
        blocked: dict[str, list[int]] = {}
        for pk in claimed:
            if blocks[pk]:
                blocked.setdefault(blocks[pk], []).append(pk)
        for block, pks in blocked.items():  # few: most mail may be answered
            InboundEmail.objects.filter(pk__in=pks).update(auto_reply_block=block)
    return claimed


def _known_ids(parsed_mails: Sequence[Facts]) -> dict[str, list[tuple[int, str]]]:
    """Stored messages carrying these emails' own Message-IDs or the ids they answer:
    {message id: [(conversation id, kind), …]} — one query serves loops and threading."""
    ids = {i for p in parsed_mails for i in (*p.thread_ids, p.message_id) if i}
    known: dict[str, list[tuple[int, str]]] = {}
    if ids:
        rows = (
            Message.objects.with_email_ids(ids)
            .order_by()
            .values_list("email_message_id", "conversation_id", "kind")
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


def _note_bounce(parsed: Facts, now: datetime) -> None:
    """A bounce of one of our replies marks that reply failed, where the agent sees it."""
    if not (parsed.is_bounce and parsed.bounced_message_id):
        return
    reply = (
        Message.objects.with_email_ids([parsed.bounced_message_id])
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


@dataclass(frozen=True)
class _Known:
    """A stored conversation this email continues, by id: not read until it is locked."""

    conversation_id: int


def _thread(
    parsed: Facts,
    contact: Contact,
    known: dict[str, list[tuple[int, str]]],
    in_batch: dict[str, Conversation | _Known | int],
) -> Conversation | _Known | int | None:
    """The conversation this email continues: by In-Reply-To/References (against inbound
    and our own outbound Message-IDs, and the emails of this batch), then by the "[#1234]"
    token in the subject. An int is a conversation this batch is about to open."""
    for message_id in parsed.thread_ids:  # most specific first
        if message_id in known:  # its id: the filing locks it (and follows merges)
            return _Known(known[message_id][0][0])
        if message_id in in_batch:
            return in_batch[message_id]
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


def _store_attachments(batch: list[tuple[Message, list[ParsedAttachment]]]) -> None:
    """Files into storage, rows in one insert; over the size cap a row says why the file
    was kept out (the raw email still holds it)."""
    cap = attachment_max_bytes()
    rows = []
    for message, attachments in batch:
        for item in attachments:
            row = Attachment(
                message=message,
                filename=item.filename[:255],
                content_type=item.content_type[:127] or "application/octet-stream",
                size=item.size,
                sha256=hashlib.sha256(item.payload).hexdigest(),
                content_id=item.content_id[:255],
            )
            if item.size > cap:
                row.rejected_reason = (
                    f"Larger than the {_human(cap)} limit ({_human(item.size)}), so it was "
                    "kept out of storage; the original email still holds it."
                )
            else:
                row.file.save(item.filename, ContentFile(item.payload), save=False)
            rows.append(row)
    if rows:
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
    return _duplicates([inbound])[0]


def _duplicates(inbounds: Sequence[InboundEmail]) -> list[IngestResult]:
    """Answers for emails received before, with the message each became (one read)."""
    if not inbounds:
        return []
    messages = {
        m.inbound_id: m
        for m in Message.objects.filter(inbound__in=[i.pk for i in inbounds]).select_related(
            "conversation"
        )
    }
    results = []
    for inbound in inbounds:
        message = messages.get(inbound.pk)
        results.append(
            IngestResult(
                State.DUPLICATE,
                inbound,
                conversation=message.conversation if message else None,
                message=message,
                reason="Already received.",
            )
        )
    return results


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
