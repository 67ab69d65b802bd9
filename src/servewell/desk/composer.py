"""The composer's extras around a reply or a note: attachments, CC and BCC, @mentions,
and forwarding a message to an address.

Everything the agent sent is checked before anything is written, and the message, its
files and its envelope are written in one transaction: a refused file, address or mention
leaves nothing behind, not even a stored file. The reply itself is still
``conversations.reply`` (signature, version check, events), so every door signs, checks
and announces alike; the mail pipeline picks the reply up after commit, by which time its
attachments and envelope are in place.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.desk import conversations, macros, mentions
from servewell.desk.events import event_payload, record_activity
from servewell.desk.models import Attachment, Conversation, Macro, Message, MessageKind
from servewell.people.models import User

#: Files on one reply or note. Mail servers refuse large messages long before this.
MAX_ATTACHMENTS = 10
#: Addresses in CC plus BCC: a reply to a customer, not a mailing list.
MAX_COPIES = 20
#: Kinds of message that may leave the desk by forwarding; notes stay internal.
FORWARDABLE = (MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.CALL)

# How the history reads these (``conversations.describe``).
conversations.VERBS.setdefault("mentioned", "mentioned {names} in a note")
conversations.VERBS.setdefault("forwarded", "forwarded a message to {to}")

MESSAGE_FORWARDED = events.declare(
    "message.forwarded",
    "An agent forwarded a message (with its attachments) to an email address.",
)


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the door (form, API) reads it, the composer checks it."""

    filename: str
    content_type: str
    content: bytes


def max_attachment_bytes() -> int:
    """The same cap as inbound mail (``DESK_ATTACHMENT_MAX_BYTES``)."""
    return int(settings.DESK_ATTACHMENT_MAX_BYTES)


def read_uploads(files: Iterable[Any]) -> list[Upload]:
    """Django uploaded files → ``Upload``; a file over the cap is refused unread."""
    files = list(files)
    _check_count(len(files))
    cap, uploads = max_attachment_bytes(), []
    for f in files:
        if f.size > cap:
            raise _too_large(f.name, f.size, cap)
        uploads.append(Upload(f.name, getattr(f, "content_type", "") or "", f.read()))
    return uploads


def check_uploads(uploads: Sequence[Upload]) -> list[Upload]:
    _check_count(len(uploads))
    cap, clean = max_attachment_bytes(), []
    for upload in uploads:
        if len(upload.content) > cap:
            raise _too_large(upload.filename, len(upload.content), cap)
        if not upload.content:
            raise DomainError(
                "invalid", f"“{_filename(upload.filename)}” is empty.", field="attachments"
            )
        content_type = (upload.content_type or "application/octet-stream")[:127]
        clean.append(Upload(_filename(upload.filename), content_type, upload.content))
    return clean


def _check_count(count: int) -> None:
    if count > MAX_ATTACHMENTS:
        raise DomainError(
            "invalid",
            f"Attach at most {MAX_ATTACHMENTS} files ({count} were chosen).",
            field="attachments",
        )


def _too_large(name: str, size: int, cap: int) -> DomainError:
    return DomainError(
        "invalid",
        f"“{_filename(name)}” is {_human(size)}; files may be at most {_human(cap)}.",
        field="attachments",
    )


def _filename(name: str) -> str:
    """The last path part, without control characters; never empty."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:255] or "attachment"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def clean_addresses(value: str | Iterable[str], *, field: str) -> list[str]:
    """'a@x.org, b@y.org' or a list → valid lower-case addresses, each once."""
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    addresses: list[str] = []
    for part in parts:
        address = str(part or "").strip().lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(
                "invalid", f"“{address[:80]}” is not an email address.", field=field
            ) from None
        if address not in addresses:
            addresses.append(address)
    return addresses


def _envelope(conversation: Conversation, cc: list[str], bcc: list[str]) -> None:
    if not (cc or bcc):
        return
    if conversation.channel not in conversations.EMAIL_CHANNELS:
        raise DomainError(
            "invalid",
            "CC and BCC go with email replies; this conversation is not answered by email.",
            field="cc",
        )
    if len(cc) + len(bcc) > MAX_COPIES:
        raise DomainError("invalid", f"Copy at most {MAX_COPIES} addresses.", field="cc")


# --- Writing ------------------------------------------------------------------------------


def reply(
    actor: User,
    conversation: Conversation,
    *,
    body_text: str,
    expected_version: int | None,
    status: str | None = None,
    sign: bool = True,
    cc: str | Iterable[str] = (),
    bcc: str | Iterable[str] = (),
    attachments: Sequence[Upload] = (),
    macro: Macro | None = None,
    now: datetime | None = None,
) -> Message | None:
    """A public reply with its files and copies; with ``macro``, the macro's reply (its
    status and tags follow). BCC addresses are kept on the message for the envelope only."""
    cc_list, bcc_list = clean_addresses(cc, field="cc"), clean_addresses(bcc, field="bcc")
    _envelope(conversation, cc_list, bcc_list)
    files = check_uploads(attachments)
    now = now or timezone.now()
    with _cleanup_on_failure() as stored, transaction.atomic():
        if macro is not None:
            message = macros.apply_macro(
                actor, conversation, macro, expected_version=expected_version,
                body_text=body_text, sign=sign, now=now,
            )  # fmt: skip
        else:
            message = conversations.reply(
                actor, conversation, body_text=body_text, expected_version=expected_version,
                status=status, sign=sign, now=now,
            )  # fmt: skip
        if message is None:
            if files or cc_list or bcc_list:
                raise DomainError("invalid", "Write something to send the files with.")
            return None
        if cc_list or bcc_list:
            message.cc, message.bcc = cc_list, bcc_list
            message.save(update_fields=["cc", "bcc"])
        _attach(message, files, stored)
    return message


def add_note(
    actor: User,
    conversation: Conversation,
    *,
    body_text: str,
    attachments: Sequence[Upload] = (),
    now: datetime | None = None,
) -> Message:
    """An internal note with its files; the people it @mentions are told."""
    people = mentions.resolve(conversation, body_text)
    files = check_uploads(attachments)
    now = now or timezone.now()
    with _cleanup_on_failure() as stored, transaction.atomic():
        message = conversations.add_note(actor, conversation, body_text=body_text, now=now)
        _attach(message, files, stored)
        if people:
            record_activity(
                message.conversation,
                "mentioned",
                actor=actor,
                now=now,
                message=message.pk,
                names=", ".join(str(p) for p in people),
            )
            mentions.notify_mentioned(actor, message.conversation, message, people, now=now)
    return message


def _attach(message: Message, files: list[Upload], stored: list[str]) -> None:
    rows = []
    for upload in files:
        row = Attachment(
            message=message,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
        )
        row.file.save(upload.filename, ContentFile(upload.content), save=False)
        stored.append(row.file.name)
        rows.append(row)
    if rows:
        Attachment.objects.bulk_create(rows)


class _cleanup_on_failure:
    """Files written to storage are removed again when the transaction does not commit."""

    def __enter__(self) -> list[str]:
        self.stored: list[str] = []
        return self.stored

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is not None:
            storage = Attachment._meta.get_field("file").storage
            for name in self.stored:
                storage.delete(name)


def forward(
    actor: User,
    message: Message,
    *,
    to: str | Iterable[str],
    note: str = "",
    now: datetime | None = None,
) -> list[str]:
    """Send a copy of a message, with its attachments, to outside addresses. Recorded on
    the conversation's history and in the audit log; the mail pipeline sends it."""
    if message.kind not in FORWARDABLE:
        raise DomainError("invalid", "Internal notes stay internal: they cannot be forwarded.")
    addresses = clean_addresses(to, field="to")
    if not addresses:
        raise DomainError("invalid", "Enter the address to forward to.", field="to")
    if len(addresses) > MAX_COPIES:
        raise DomainError("invalid", f"Forward to at most {MAX_COPIES} addresses.", field="to")
    note = (note or "").strip()
    if len(note) > conversations.MAX_BODY:
        raise DomainError("invalid", "The covering note is too long.", field="note")
    now = now or timezone.now()
    with transaction.atomic():
        conversation = conversations.lock(message.conversation_id)
        record_activity(
            conversation,
            "forwarded",
            actor=actor,
            now=now,
            message=message.pk,
            to=", ".join(addresses),
        )
        audit.record(
            actor,
            "conversation.forwarded",
            conversation,
            after={"message": message.pk, "to": addresses},
        )
        events.publish(
            MESSAGE_FORWARDED,
            event_payload(
                conversation,
                message=message.pk,
                to=addresses,
                note=note,
                by=getattr(actor, "pk", None),
                by_name=str(actor),
                at=now.isoformat(),
            ),
        )
    return addresses
