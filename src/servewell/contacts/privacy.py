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

This module owns the contact's own part (details, addresses, phones, failed jobs that
name them) and the two extension points through which the apps above do theirs, without
this app importing any of them: ``EXPORTERS`` add sections to the export (the desk: the
conversations) and ``CONTACT_ERASERS`` erase their copies (the desk: conversations,
messages, attachments, inbound mail, notifications, and the search documents last). An
``Eraser`` carries an ``order``: rows are read before anything that finds them changes,
and a plain function contributed without one runs at ``DEFAULT_ORDER``, after the rows'
erasers and before the search documents are rebuilt.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from servewell.contacts.contacts import audit_label
from servewell.contacts.models import Contact, ContactEmail, ContactPhone
from servewell.core import audit, events
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.core.models import FailedJob

log = logging.getLogger(__name__)

CONTACT_ERASED = events.declare(
    "contact.erased", "A contact's personal data was erased (GDPR); the payload holds ids only."
)

EXPORT_FORMAT = "servewell.contact-export/1"
ERASED = "[erased]"
ERASE_WORD = "ERASE"
ERASED_FILE_REASON = "Erased at the customer's request."
#: Activity keys whose text is always the conversation's content.
_CONTENT_KEYS = frozenset({"subject", "error", "body", "text", "reason"})
_SCAN_CHUNK = 100
#: Where an eraser contributed as a plain function runs.
DEFAULT_ORDER = 500


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


@dataclass(frozen=True)
class Preview:
    """What an erasure would touch, for the confirmation page: ``counts`` come from the
    erasers that offer a preview (the desk: conversations, messages, attachments)."""

    confirmation: str
    merged_records: int
    counts: Mapping[str, int]


def erasure_preview(contact: Contact) -> Preview:
    ids = family_ids(contact)
    counts: dict[str, int] = {}
    for eraser in erasers():
        if eraser.preview is not None:
            counts.update(eraser.preview(ids))
    return Preview(confirmation_word(contact), len(ids) - 1, counts)


# --- Export ------------------------------------------------------------------------------


@dataclass
class Export:
    """One export being built, handed to every exporter: the contact and the records
    merged into it, and where an exporter lists files for the ZIP (``(path, file)``) and
    counts what it exported (for the audit entry)."""

    contact: Contact
    contact_ids: list[int]
    now: datetime
    with_files: bool
    document: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, FieldFile]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Exporter:
    """A section of the export: ``build(export)`` returns the value of ``document[key]``;
    ``serializer()`` the DRF field that documents it in the API schema."""

    key: str
    build: Callable[[Export], Any]
    serializer: Callable[[], Any]
    order: int = 100


EXPORTERS: ExtensionPoint[Exporter] = ExtensionPoint(
    "contacts.exporters", Exporter, "A section of a contact's data export (GDPR Art. 15, 20)."
)


def exporters() -> list[Exporter]:
    return sorted(EXPORTERS.items(), key=lambda e: e.order)


def export_contact(actor: Any, contact: Contact, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``contact`` that is theirs (see the module docstring for
    what is left out), as a JSON-ready dict; audited."""
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
    """The export as a ZIP: ``contact.json`` and the files the exporters listed (each
    entry's ``file`` names its path). The files are read after the transaction, so no
    lock is held while they are copied; a file that vanished meanwhile is listed as not
    stored."""
    with transaction.atomic():
        export = _build(contact, now or timezone.now(), with_files=True)
        _record_export(actor, contact, export, "zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, stored in export.files:
            try:
                with stored.open("rb") as handle:
                    archive.writestr(path, handle.read())
            except OSError:
                log.warning("export: file missing", extra={"file": path})
                _mark_missing(export.document, path)
        archive.writestr("contact.json", _dumps(export.document))


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _mark_missing(value: Any, path: str) -> None:
    """Every entry of the document that names ``path`` says the file could not be read."""
    if isinstance(value, dict):
        if value.get("file") == path:
            value.update(file=None, stored=False, note="The file could not be read.")
        for item in value.values():
            _mark_missing(item, path)
    elif isinstance(value, list):
        for item in value:
            _mark_missing(item, path)


def _record_export(actor: Any, contact: Contact, export: Export, kind: str) -> None:
    audit.record(
        actor,
        "contact.exported",
        contact,
        after={"format": kind, **export.counts},
        label=audit_label(contact),
    )


def _build(contact: Contact, now: datetime, *, with_files: bool) -> Export:
    ids = family_ids(contact)
    export = Export(contact, ids, now, with_files)
    export.document.update(
        {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "about": (
                "Everything we hold about this person: their details, their conversations "
                "with their own messages, our replies and the calls with them. Internal "
                "notes and staff names are not included."
            ),
            "contact": _contact_part(contact, ids),
        }
    )
    for exporter in exporters():
        export.document[exporter.key] = exporter.build(export)
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


# --- Erasure -----------------------------------------------------------------------------


@dataclass
class Erasure:
    """What one erasure covers, handed to every eraser inside its transaction.

    ``addresses``, ``phones`` and ``names`` were read before anything changed: the
    strings that no copy elsewhere may keep. The desk's first eraser adds what it holds
    (``conversation_ids``, ``touched_conversation_ids``, ``subjects``) before any row
    changes, so the erasers after it see them too."""

    contact: Contact
    contact_ids: list[int]
    addresses: list[str]
    phones: list[str]
    names: list[str]
    now: datetime
    conversation_ids: list[int] = field(default_factory=list)
    touched_conversation_ids: list[int] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Eraser:
    """One step of an erasure. ``order``: lower runs first (the desk reads its rows at 0
    and rebuilds its search documents at 1000); ``preview(contact_ids)`` counts what the
    step would touch, for the confirmation page."""

    order: int
    run: Callable[[Erasure], None]
    name: str = ""
    preview: Callable[[list[int]], Mapping[str, int]] | None = None


#: Other apps that keep copies of customer data contribute an ``Eraser`` (or a plain
#: function, run at ``DEFAULT_ORDER``) through their contract's ``extends``; each runs
#: inside the erasure's transaction.
CONTACT_ERASERS: ExtensionPoint[Eraser | Callable[[Erasure], None]] = ExtensionPoint(
    "contacts.erasers",
    (Eraser, Callable),  # type: ignore[arg-type]
    "Eraser(order, fn(erasure)) or fn(erasure): erase this app's copies of a contact's data.",
)


def erasers() -> list[Eraser]:
    """This app's erasers and the contributed ones, in order (ties: as registered)."""
    found = [*_OWN, *CONTACT_ERASERS.items()]
    steps = [e if isinstance(e, Eraser) else Eraser(DEFAULT_ORDER, e) for e in found]
    return sorted(steps, key=lambda e: e.order)


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
        for eraser in erasers():
            eraser.run(erasure)
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


def _plan(contact: Contact, now: datetime) -> Erasure:
    ids = family_ids(contact)
    return Erasure(
        contact=contact,
        contact_ids=ids,
        addresses=list(
            ContactEmail.objects.filter(contact_id__in=ids).values_list("address", flat=True)
        ),
        phones=list(
            ContactPhone.objects.filter(contact_id__in=ids).values_list("number", flat=True)
        ),
        names=list(Contact.objects.filter(pk__in=ids).values_list("name", flat=True)),
        now=now,
    )


def redact(text: str, phrases: list[str]) -> str:
    """``text`` with every phrase (case aside) replaced by "[erased]"."""
    if not text or not phrases:
        return text
    pattern = re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)
    return pattern.sub(ERASED, text)


def scrub(value: Any, erasure: Erasure, key: str = "") -> Any:
    """A JSON value (activity data, job arguments) with the content keys blanked and any
    string that holds an address or number, or is a name, replaced whole. Other strings
    (statuses, staff names, macro names) stay, so the history still reads."""
    if isinstance(value, dict):
        return {k: scrub(v, erasure, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, erasure, key) for v in value]
    if isinstance(value, str) and value:
        low = value.strip().lower()
        if key in _CONTENT_KEYS or low in erasure.lower_names:
            return ERASED
        if any(n in low for n in erasure.needles):
            return ERASED
    return value


# --- This app's erasers ------------------------------------------------------------------


def _erase_contacts(erasure: Erasure) -> None:
    for contact in Contact.objects.filter(pk__in=erasure.contact_ids):
        contact.name = f"Erased contact #{contact.pk}"
        contact.organisation = ""
        contact.notes = ""
        contact.save(update_fields=["name", "organisation", "notes"])
    ContactEmail.objects.filter(contact_id__in=erasure.contact_ids).delete()
    ContactPhone.objects.filter(contact_id__in=erasure.contact_ids).delete()


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
        job.args = scrub(job.args, erasure)
        job.kwargs = scrub(job.kwargs, erasure)
        job.error = redact(job.error, erasure.phrases)
        job.traceback = redact(job.traceback, erasure.phrases)
        job.discarded_at = job.discarded_at or erasure.now
        job.save(update_fields=["args", "kwargs", "error", "traceback", "discarded_at"])


#: The contact's own rows change after the desk has read and erased what hangs off them
#: (its erasers run at 0-40), and before other apps' copies (``DEFAULT_ORDER``).
_OWN = (
    Eraser(50, _erase_contacts, "contacts"),
    Eraser(70, _erase_failed_jobs, "failed jobs"),
)
