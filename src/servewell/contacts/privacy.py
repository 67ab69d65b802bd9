"""Data-subject requests (GDPR Art. 15, 17, 20): export everything about a contact, or
erase the contact for good.

**Export** (``export_contact``, ``export_json``, ``write_export_zip``): the contact and
the records merged into it, every address and phone number, and each of their
conversations with the customer's own messages, the public replies sent to them and the
calls logged with them (when, which way, how long), with attachment details — the ZIP
holds the files too. Left out, as Zendesk does: internal notes, the agents' write-ups
of calls and system entries (staff work product, not the customer's data), messages of
other people copied into the customer's conversations (their data, not this person's)
and the names of the staff (the team answers). A conversation of someone else that the
contact wrote in is listed with the contact's own messages only. Every export is an
audit entry ``contact.exported``.

**Erasure** (``erase_contact``) is irreversible and anonymises rather than deletes, so
that reports, SLA figures and quality scores still add up: the rows stay (conversations
with their status, priority, team, assignee and timestamps; messages with their kind,
author, time and delivery status; call durations), the personal content goes. Like
Zendesk's "permanently delete end user", it redacts the *whole* content of the contact's
conversations — the agents' replies and notes too, since they greet, quote and describe
the customer:

* the contact and every contact merged into it: name "Erased contact #<id>",
  organisation and notes cleared; their addresses and phone numbers deleted (new mail
  from one of those addresses later is a new contact, not a resurrection of this one);
* their conversations: subject "[erased]"; every message body "[erased]" and its
  threading headers cleared (so new mail never threads into the erased conversations);
  attachment files deleted from storage after commit, their rows kept as "[erased]"
  with the reason; activity entries cleaned of subjects, addresses, names and errors;
* the contact's own messages in other people's conversations: the same, for those
  messages only;
* the raw inbound email of every erased message: bytes blanked, row kept — its
  ``dedup_key`` ("mid:<Message-ID>" or "sha:<SHA-256>", neither readable) still
  recognises a second delivery of the same email as a duplicate, so nothing comes back;
* unfiled inbound mail (quarantined, ignored bounces and auto-replies) whose raw bytes
  or reason name one of the contact's addresses: bytes blanked, quarantined mail
  discarded (a retry could otherwise file it again). Mail filed under *other* contacts
  that merely copies this person is not scanned;
* the automatic-reply rate-limit log of their addresses; in-app notifications about
  their conversations (escalations quote the subject); failed jobs that carry one of
  their addresses (discarded, so a replay cannot mail them); queue calls from one of
  their numbers (caller cleared on the call, its feed events and its webhook
  deliveries — the live queue registers that step, ``livequeue/privacy.py``);
* the search documents of every touched conversation are rebuilt, the contact's rewritten
  under the anonymous name: neither the old name nor a word they wrote is found again.

Kept, on purpose: quality reviews and disputes (staff's assessment of staff work, which
may paraphrase the customer; the scores must stand), and the audit log. The audit log is
append-only (database triggers) and is the legal record of processing (Art. 17(3)(b),
(e)): its entries stay as written. Since this capability, entries about contacts record
which fields changed and name the contact by number only (``contacts.audit_label``), and
``contact.erased`` holds counts and ids, no personal data; conversations are named by
reference, not subject (``Conversation.audit_label``). Older entries may still hold
values written before; they are readable by admins and managers only. Jobs already queued
are not edited: an acknowledgement or a receipt checks at send time that its address is
still on file (``contacts.still_on_file``) and is dropped; a reply still queued finds no
address and fails.

Other apps that keep copies of customer data contribute an ``Eraser`` to ``CONTACT_ERASERS``;
it runs inside the erasure's transaction with what the erasure covers.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from servewell.core import audit, events
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.core.models import FailedJob, Notification
from servewell.desk import search
from servewell.desk.contacts import audit_label
from servewell.desk.models import (
    Activity,
    Attachment,
    AutoReplyLog,
    Contact,
    ContactEmail,
    ContactPhone,
    Conversation,
    InboundEmail,
    Message,
    MessageKind,
)

log = logging.getLogger(__name__)

CONTACT_ERASED = events.declare(
    "contact.erased", "A contact's personal data was erased (GDPR); the payload holds ids only."
)

EXPORT_FORMAT = "servewell.contact-export/1"
ERASED = "[erased]"
ERASE_WORD = "ERASE"
ERASED_FILE_REASON = "Erased at the customer's request."
#: Message kinds an export carries (notes and system entries are staff work product).
EXPORTED_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.CALL)
#: Activity keys whose text is always the conversation's content.
_CONTENT_KEYS = frozenset({"subject", "error", "body", "text", "reason"})
_SCAN_CHUNK = 100


# --- Who is covered --------------------------------------------------------------------


def family_ids(contact: Contact) -> list[int]:
    """The contact and every record merged into it, however deep the chain."""
    ids, frontier = [contact.pk], [contact.pk]
    while frontier:
        frontier = [
            pk
            for pk in Contact.objects.filter(merged_into_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in ids
        ]
        ids.extend(frontier)
    return ids


def confirmation_word(contact: Contact) -> str:
    """What the person erasing must type: the contact's primary address (so they name
    whom they erase), or the word ERASE for a contact without one."""
    primary = (
        ContactEmail.objects.filter(contact=contact)
        .order_by("-is_primary", "id")
        .values_list("address", flat=True)
        .first()
    )
    return primary or ERASE_WORD


def _messages_of(ids: list[int]) -> QuerySet[Message]:
    """Every message an erasure redacts: all of the contacts' conversations, and their
    own messages elsewhere."""
    return Message.objects.filter(Q(conversation__contact_id__in=ids) | Q(contact_id__in=ids))


@dataclass(frozen=True)
class Preview:
    """What an erasure would touch, for the confirmation page."""

    confirmation: str
    conversations: int
    messages: int
    attachments: int
    merged_records: int


def erasure_preview(contact: Contact) -> Preview:
    ids = family_ids(contact)
    messages = _messages_of(ids)
    return Preview(
        confirmation=confirmation_word(contact),
        conversations=Conversation.objects.filter(contact_id__in=ids).count(),
        messages=messages.count(),
        attachments=Attachment.objects.filter(message__in=messages).count(),
        merged_records=len(ids) - 1,
    )


# --- Export ------------------------------------------------------------------------------


@dataclass
class _Export:
    document: dict[str, Any]
    files: list[tuple[str, Attachment]] = field(default_factory=list)


def export_contact(actor: Any, contact: Contact, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the desk holds about ``contact`` that is theirs (see the module
    docstring for what is left out), as a JSON-ready dict; audited."""
    with transaction.atomic():
        export = _build(contact, now or timezone.now(), with_files=False)
        _record_export(actor, contact, export, "json")
    return export.document


def export_json(actor: Any, contact: Contact, *, now: datetime | None = None) -> bytes:
    """``export_contact`` as a UTF-8 JSON document."""
    return _dumps(export_contact(actor, contact, now=now))


def write_export_zip(
    actor: Any, contact: Contact, out: IO[bytes], *, now: datetime | None = None
) -> None:
    """The export as a ZIP: ``contact.json`` and the attachment files under
    ``attachments/`` (each entry's ``file`` names its path). The files are read after
    the transaction, so no lock is held while they are copied; a file that vanished
    meanwhile is listed as not stored."""
    with transaction.atomic():
        export = _build(contact, now or timezone.now(), with_files=True)
        _record_export(actor, contact, export, "zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, attachment in export.files:
            try:
                with attachment.file.open("rb") as handle:
                    archive.writestr(path, handle.read())
            except OSError:
                log.warning("export: attachment file missing", extra={"attachment": attachment.pk})
                _mark_missing(export.document, path)
        archive.writestr("contact.json", _dumps(export.document))


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _mark_missing(document: dict[str, Any], path: str) -> None:
    for conversation in document["conversations"]:
        for message in conversation["messages"]:
            for item in message["attachments"]:
                if item.get("file") == path:
                    item.update(file=None, stored=False, note="The file could not be read.")


def _record_export(actor: Any, contact: Contact, export: _Export, kind: str) -> None:
    conversations = export.document["conversations"]
    messages = [m for c in conversations for m in c["messages"]]
    audit.record(
        actor,
        "contact.exported",
        contact,
        after={
            "format": kind,
            "conversations": len(conversations),
            "messages": len(messages),
            "attachments": sum(len(m["attachments"]) for m in messages),
        },
        label=audit_label(contact),
    )


def _build(contact: Contact, now: datetime, *, with_files: bool) -> _Export:
    ids = family_ids(contact)
    export = _Export(
        {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "about": (
                "Everything we hold about this person: their details, their conversations "
                "with their own messages, our replies and the calls with them. Internal "
                "notes and staff names are not included."
            ),
            "contact": _contact_part(contact, ids),
            "conversations": [],
        }
    )
    own = Q(kind__in=(MessageKind.REPLY, MessageKind.CALL)) | Q(
        kind=MessageKind.CUSTOMER, contact_id__in=ids
    )
    theirs = (
        Conversation.objects.filter(contact_id__in=ids)
        .select_related("team")
        .order_by("created_at", "id")
    )
    elsewhere = (
        Conversation.objects.filter(messages__contact_id__in=ids)
        .exclude(contact_id__in=ids)
        .select_related("team")
        .distinct()
        .order_by("created_at", "id")
    )
    for role, rows, messages in (
        ("contact", theirs, Message.objects.filter(own, kind__in=EXPORTED_KINDS)),
        (
            "participant",
            elsewhere,
            Message.objects.filter(contact_id__in=ids, kind__in=EXPORTED_KINDS),
        ),
    ):
        rows = list(rows)
        by_conversation: dict[int, list[Message]] = {}
        for message in (
            messages.filter(conversation__in=rows)
            .prefetch_related("attachments")
            .order_by("created_at", "id")
        ):
            by_conversation.setdefault(message.conversation_id, []).append(message)
        for conversation in rows:
            items = [
                _message_part(m, conversation, export, with_files)
                for m in by_conversation.get(conversation.pk, [])
            ]
            export.document["conversations"].append(_conversation_part(conversation, role, items))
    return export


def _contact_part(contact: Contact, ids: list[int]) -> dict[str, Any]:
    merged = Contact.objects.filter(pk__in=ids[1:]).order_by("id")
    return {
        "id": contact.pk,
        "name": contact.name,
        "organisation": contact.organisation,
        "notes": contact.notes,
        "created_at": contact.created_at.isoformat(),
        "emails": [
            {"address": e.address, "primary": e.is_primary}
            for e in ContactEmail.objects.filter(contact_id__in=ids).order_by("-is_primary", "id")
        ],
        "phones": list(
            ContactPhone.objects.filter(contact_id__in=ids)
            .order_by("id")
            .values_list("number", flat=True)
        ),
        "merged_records": [
            {"id": m.pk, "name": m.name, "created_at": m.created_at.isoformat()} for m in merged
        ],
    }


def _conversation_part(
    conversation: Conversation, role: str, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """A conversation of someone else (``role`` "participant") shows no subject: it is
    that person's."""
    return {
        "id": conversation.pk,
        "reference": conversation.reference,
        "role": role,
        "subject": conversation.subject if role == "contact" else "",
        "channel": conversation.channel,
        "status": conversation.status,
        "priority": conversation.priority,
        "team": conversation.team.name,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "solved_at": conversation.solved_at.isoformat() if conversation.solved_at else None,
        "messages": messages,
    }


def _message_part(
    message: Message, conversation: Conversation, export: _Export, with_files: bool
) -> dict[str, Any]:
    call = message.kind == MessageKind.CALL
    return {
        "id": message.pk,
        "kind": message.kind,
        "sender": "contact" if message.kind == MessageKind.CUSTOMER else conversation.team.name,
        "at": message.created_at.isoformat(),
        # A call's text is the agent's write-up of it: staff work product, like a note.
        "body_text": "" if call else message.body_text,
        "body_html": "" if call else message.body_html,
        "call_direction": message.call_direction if call else "",
        "call_seconds": message.call_seconds if call else None,
        "attachments": [_attachment_part(a, export, with_files) for a in message.attachments.all()],
    }


def _attachment_part(attachment: Attachment, export: _Export, with_files: bool) -> dict[str, Any]:
    stored = bool(attachment.file) and not attachment.rejected_reason
    path = None
    if with_files and stored:
        safe = re.sub(r"[^\w.-]+", "_", attachment.filename).strip("._") or "file"
        path = f"attachments/{attachment.pk}-{safe[:120]}"
        export.files.append((path, attachment))
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "stored": stored,
        "note": attachment.rejected_reason,
        "file": path,
    }


# --- Erasure -----------------------------------------------------------------------------


@dataclass
class Erasure:
    """What one erasure covers, handed to every eraser inside its transaction.

    ``messages`` and ``conversations`` are querysets (subqueries, however many rows).
    ``addresses``, ``phones``, ``names`` and ``subjects`` were read before anything
    changed: the strings that no copy elsewhere may keep."""

    contact: Contact
    contact_ids: list[int]
    conversation_ids: list[int]
    touched_conversation_ids: list[int]
    addresses: list[str]
    phones: list[str]
    names: list[str]
    subjects: list[str]
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def conversations(self) -> QuerySet[Conversation]:
        return Conversation.objects.filter(contact_id__in=self.contact_ids)

    @property
    def messages(self) -> QuerySet[Message]:
        return _messages_of(self.contact_ids)

    @property
    def lower_names(self) -> set[str]:
        return {n.strip().lower() for n in self.names if n.strip()}

    @property
    def needles(self) -> list[str]:
        """Distinctive strings, matched anywhere (lower-case): addresses and numbers."""
        return [s.lower() for s in (*self.addresses, *self.phones) if s]

    @property
    def phrases(self) -> list[str]:
        """Everything to cut out of free text, longest first; very short names would
        match inside ordinary words, so they are left out."""
        found = {s.strip() for s in (*self.needles, *self.names, *self.subjects)}
        return sorted((s for s in found if len(s) >= 3 and s != ERASED), key=len, reverse=True)


Eraser = Callable[[Erasure], None]


@dataclass(frozen=True)
class Erased:
    contact_id: int
    counts: dict[str, int]


def erase_contact(
    actor: Any, contact: Contact, *, confirm: str, now: datetime | None = None
) -> Erased:
    """Irreversibly anonymise ``contact`` (see the module docstring), in one transaction.

    ``confirm`` must be ``confirmation_word(contact)`` (case and spaces aside); anything
    else is refused before anything changes."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if contact is None:
            raise DomainError("not_found", "No such contact.")
        if contact.merged_into_id:
            raise DomainError(
                "invalid",
                f"This record was merged into contact #{contact.merged_into_id}: erase that one.",
            )
        expected = confirmation_word(contact)
        if (confirm or "").strip().lower() != expected.lower():
            raise DomainError(
                "invalid",
                f"To erase this contact, type {expected} exactly as shown.",
                field="confirm",
            )
        erasure = _plan(contact, now)
        for eraser in [*ERASERS[:-1], *CONTACT_ERASERS.items(), ERASERS[-1]]:
            eraser(erasure)
        audit.record(
            actor,
            "contact.erased",
            contact,
            after={"merged_records": erasure.contact_ids[1:], **erasure.counts},
            label=audit_label(contact),
        )
        events.publish(
            CONTACT_ERASED,
            {
                "contact": contact.pk,
                "merged_records": erasure.contact_ids[1:],
                "conversations": erasure.conversation_ids,
            },
        )
    return Erased(contact.pk, dict(erasure.counts))


#: Other apps that keep copies of customer data contribute an eraser through their
#: contract's ``extends``; each runs inside the erasure's transaction, before the search
#: documents are rebuilt.
CONTACT_ERASERS: ExtensionPoint[Eraser] = ExtensionPoint(
    "contacts.erasers", Callable, "fn(erasure): erase this app's copies of a contact's data."
)


def _plan(contact: Contact, now: datetime) -> Erasure:
    ids = family_ids(contact)
    conversation_ids = list(
        Conversation.objects.filter(contact_id__in=ids).order_by("id").values_list("pk", flat=True)
    )
    touched = set(conversation_ids) | set(
        Message.objects.filter(contact_id__in=ids).values_list("conversation_id", flat=True)
    )
    addresses = list(
        ContactEmail.objects.filter(contact_id__in=ids).values_list("address", flat=True)
    )
    phones = list(ContactPhone.objects.filter(contact_id__in=ids).values_list("number", flat=True))
    return Erasure(
        contact=contact,
        contact_ids=ids,
        conversation_ids=conversation_ids,
        touched_conversation_ids=sorted(touched),
        addresses=addresses,
        phones=phones,
        names=list(Contact.objects.filter(pk__in=ids).values_list("name", flat=True)),
        subjects=list(
            Conversation.objects.filter(contact_id__in=ids).values_list("subject", flat=True)
        ),
        now=now,
    )


def _redact(text: str, phrases: list[str]) -> str:
    """``text`` with every phrase (case aside) replaced by "[erased]"."""
    if not text or not phrases:
        return text
    pattern = re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)
    return pattern.sub(ERASED, text)


def _scrub(value: Any, erasure: Erasure, key: str = "") -> Any:
    """A JSON value (activity data, job arguments) with the content keys blanked and any
    string that holds an address or number, or is a name, replaced whole. Other strings
    (statuses, staff names, macro names) stay, so the history still reads."""
    if isinstance(value, dict):
        return {k: _scrub(v, erasure, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, erasure, key) for v in value]
    if isinstance(value, str) and value:
        low = value.strip().lower()
        if key in _CONTENT_KEYS or low in erasure.lower_names:
            return ERASED
        if any(n in low for n in erasure.needles):
            return ERASED
    return value


# --- The erasers (in order) --------------------------------------------------------------


def _erase_attachments(erasure: Erasure) -> None:
    """Rows stay (the thread says a file was there, and why it is gone); files are
    deleted from storage only once the erasure has committed."""
    rows = Attachment.objects.filter(message__in=erasure.messages)
    files = [(a.file.storage, a.file.name) for a in rows.exclude(file="").only("id", "file")]
    erasure.counts["attachments"] = rows.update(
        filename=ERASED,
        file="",
        sha256="",
        content_id="",
        rejected_reason=ERASED_FILE_REASON,
    )
    if files:
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files: Iterable[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            log.exception("erasure: could not delete a stored file", extra={"file": name})


def _erase_inbound(erasure: Erasure) -> None:
    """Blank the raw bytes of the erased messages' emails; keep the rows and their dedup
    keys, so a second delivery is still a duplicate. Then unfiled mail naming one of the
    contact's addresses (bounces of our replies, auto-replies, quarantined mail)."""
    erasure.counts["inbound_emails"] = InboundEmail.objects.filter(
        message__in=erasure.messages
    ).update(raw=b"", reason="")
    needles = [a.encode() for a in erasure.addresses]
    if not needles:
        return
    hits = []
    unfiled = InboundEmail.objects.filter(message__isnull=True).order_by("id")
    for pk, raw, reason in unfiled.values_list("pk", "raw", "reason").iterator(_SCAN_CHUNK):
        content = bytes(raw).lower()
        if any(n in content or n.decode() in reason.lower() for n in needles):
            hits.append(pk)
    if hits:
        rows = InboundEmail.objects.filter(pk__in=hits)
        rows.filter(state__in=(InboundEmail.State.QUARANTINED, InboundEmail.State.RECEIVED)).update(
            state=InboundEmail.State.DISCARDED
        )
        rows.update(raw=b"", reason=f"Erased with contact #{erasure.contact.pk}.")
    erasure.counts["unfiled_emails"] = len(hits)


def _erase_messages(erasure: Erasure) -> None:
    erasure.counts["messages"] = erasure.messages.update(
        body_text=ERASED,
        body_html="",
        delivery_error="",
        email_message_id="",
        in_reply_to="",
        references="",
    )


def _erase_conversations(erasure: Erasure) -> None:
    """Subjects go; status, team, assignee and timestamps stay (reports, SLA figures).
    The version moves on, so a reply typed on a copy from before is refused as stale;
    ``updated_at`` does not, so the inbox order is undisturbed."""
    erasure.counts["conversations"] = erasure.conversations.update(
        subject=ERASED, version=F("version") + 1
    )
    changed = []
    activities = Activity.objects.filter(conversation__contact_id__in=erasure.contact_ids)
    for activity in activities.only("id", "data").iterator(500):
        clean = _scrub(activity.data, erasure)
        if clean != activity.data:
            activity.data = clean
            changed.append(activity)
    Activity.objects.bulk_update(changed, ["data"], batch_size=500)


def _erase_contacts(erasure: Erasure) -> None:
    for contact in Contact.objects.filter(pk__in=erasure.contact_ids):
        contact.name = f"Erased contact #{contact.pk}"
        contact.organisation = ""
        contact.notes = ""
        contact.save(update_fields=["name", "organisation", "notes"])
    ContactEmail.objects.filter(contact_id__in=erasure.contact_ids).delete()
    ContactPhone.objects.filter(contact_id__in=erasure.contact_ids).delete()
    AutoReplyLog.objects.filter(address__in=erasure.addresses).delete()


def _erase_notifications(erasure: Erasure) -> None:
    """Escalation notifications quote the subject of the conversation they link to."""
    urls = [f"/desk/c/{pk}/" for pk in erasure.conversation_ids]
    changed = []
    for note in Notification.objects.filter(url__in=urls).only("id", "title", "body"):
        title, body = _redact(note.title, erasure.phrases), _redact(note.body, erasure.phrases)
        if (title, body) != (note.title, note.body):
            note.title, note.body = title, body
            changed.append(note)
    Notification.objects.bulk_update(changed, ["title", "body"], batch_size=500)


def _erase_failed_jobs(erasure: Erasure) -> None:
    """A failed acknowledgement carries the address it was for: cleaned and discarded,
    so nobody can replay it to a person who asked to be forgotten."""
    needles = [a.lower() for a in erasure.addresses]
    if not needles:
        return
    for job in FailedJob.objects.all().iterator(_SCAN_CHUNK):
        text = json.dumps([job.args, job.kwargs, job.error, job.traceback]).lower()
        if not any(n in text for n in needles):
            continue
        job.args = _scrub(job.args, erasure)
        job.kwargs = _scrub(job.kwargs, erasure)
        job.error = _redact(job.error, erasure.phrases)
        job.traceback = _redact(job.traceback, erasure.phrases)
        job.discarded_at = job.discarded_at or erasure.now
        job.save(update_fields=["args", "kwargs", "error", "traceback", "discarded_at"])


def _reindex(erasure: Erasure) -> None:
    """Search documents rebuilt from the erased rows: the old words are gone."""
    for pk in erasure.touched_conversation_ids:
        search.index_conversation(pk)
    for contact in Contact.objects.filter(pk__in=erasure.contact_ids):
        search.index_contact(contact)


#: Order matters: rows are read (files, raw mail) before the messages that find them are
#: changed, and the search documents are rebuilt last from what is left.
ERASERS: list[Eraser] = [
    _erase_attachments,
    _erase_inbound,
    _erase_messages,
    _erase_conversations,
    _erase_contacts,
    _erase_notifications,
    _erase_failed_jobs,
    _reindex,
]
