"""The desk's part of a contact's export and erasure (``contacts.privacy``, contributed in
``apps.py``): the conversations, their messages and attachments. The emails they came
from are the mail channel's (``mail/privacy.py``, at 20). What is exported and what is
erased, and why, is written in ``contacts.privacy``.

Order matters (``Eraser.order``): the desk reads what it holds about the contact first
(0), reads files and the mail channel its raw mail before the messages that find them
change (10-40), and rebuilds the search documents last (1000) from what is left.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, Q, QuerySet

from servewell.contacts.models import Contact
from servewell.contacts.privacy import (
    ERASED,
    ERASED_FILE_REASON,
    Eraser,
    Erasure,
    Export,
    Exporter,
    redact,
    scrub,
)
from servewell.core.models import Notification
from servewell.desk import search
from servewell.desk.models import (
    Activity,
    Attachment,
    AutoReplyLog,
    Conversation,
    Message,
    MessageKind,
    WebRequest,
)

log = logging.getLogger(__name__)

#: Message kinds an export carries (notes and system entries are staff work product).
EXPORTED_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.CALL)


def messages_of(ids: list[int]) -> QuerySet[Message]:
    """Every message an erasure redacts: all of the contacts' conversations, and their
    own messages elsewhere."""
    return Message.objects.filter(Q(conversation__contact_id__in=ids) | Q(contact_id__in=ids))


# --- Export ------------------------------------------------------------------------------


def export_conversations(export: Export) -> list[dict[str, Any]]:
    """Each conversation of the contact with the customer's own messages, the public
    replies and the calls; someone else's conversation they wrote in with their own
    messages only."""
    ids = export.contact_ids
    parts: list[dict[str, Any]] = []
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
                _message_part(m, conversation, export)
                for m in by_conversation.get(conversation.pk, [])
            ]
            parts.append(_conversation_part(conversation, role, items))
    messages_out = [m for c in parts for m in c["messages"]]
    export.counts.update(
        conversations=len(parts),
        messages=len(messages_out),
        attachments=sum(len(m["attachments"]) for m in messages_out),
    )
    return parts


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


def _message_part(message: Message, conversation: Conversation, export: Export) -> dict[str, Any]:
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
        "attachments": [_attachment_part(a, export) for a in message.attachments.all()],
    }


def _attachment_part(attachment: Attachment, export: Export) -> dict[str, Any]:
    stored = bool(attachment.file) and not attachment.rejected_reason
    path = None
    if export.with_files and stored:
        safe = re.sub(r"[^\w.-]+", "_", attachment.filename).strip("._") or "file"
        path = f"attachments/{attachment.pk}-{safe[:120]}"
        export.files.append((path, attachment.file))
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "stored": stored,
        "note": attachment.rejected_reason,
        "file": path,
    }


def _export_serializer() -> Any:
    from servewell.desk.privacy_api import ExportConversationOut

    return ExportConversationOut(many=True)


EXPORTER = Exporter("conversations", export_conversations, _export_serializer)


# --- Erasure (in order) ------------------------------------------------------------------


def _read_conversations(erasure: Erasure) -> None:
    """What the desk holds about the contact, read before anything changes: the
    conversations (their subjects are phrases to cut out elsewhere) and the
    conversations of others they wrote in."""
    ids = erasure.contact_ids
    rows = Conversation.objects.filter(contact_id__in=ids).order_by("id")
    erasure.conversation_ids = list(rows.values_list("pk", flat=True))
    erasure.subjects = list(rows.values_list("subject", flat=True))
    touched = set(erasure.conversation_ids) | set(
        Message.objects.filter(contact_id__in=ids).values_list("conversation_id", flat=True)
    )
    erasure.touched_conversation_ids = sorted(touched)


def preview(contact_ids: list[int]) -> dict[str, int]:
    messages = messages_of(contact_ids)
    return {
        "conversations": Conversation.objects.filter(contact_id__in=contact_ids).count(),
        "messages": messages.count(),
        "attachments": Attachment.objects.filter(message__in=messages).count(),
    }


def _erase_attachments(erasure: Erasure) -> None:
    """Rows stay (the thread says a file was there, and why it is gone); files are
    deleted from storage only once the erasure has committed."""
    rows = Attachment.objects.filter(message__in=messages_of(erasure.contact_ids))
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


def _erase_messages(erasure: Erasure) -> None:
    erasure.counts["messages"] = messages_of(erasure.contact_ids).update(
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
    erasure.counts["conversations"] = Conversation.objects.filter(
        contact_id__in=erasure.contact_ids
    ).update(subject=ERASED, version=F("version") + 1)
    changed = []
    activities = Activity.objects.filter(conversation__contact_id__in=erasure.contact_ids)
    for activity in activities.only("id", "data").iterator(500):
        clean = scrub(activity.data, erasure)
        if clean != activity.data:
            activity.data = clean
            changed.append(activity)
    Activity.objects.bulk_update(changed, ["data"], batch_size=500)


def _erase_auto_reply_log(erasure: Erasure) -> None:
    AutoReplyLog.objects.filter(address__in=erasure.addresses).delete()


def _erase_web_requests(erasure: Erasure) -> None:
    """Requests from the public form that are not filed yet (or could not be) still hold
    what the visitor typed; filed ones hold nothing but their conversation's number."""
    WebRequest.objects.filter(email__in=erasure.addresses).delete()


def _erase_notifications(erasure: Erasure) -> None:
    """Escalation notifications quote the subject of the conversation they link to."""
    urls = [f"/desk/c/{pk}/" for pk in erasure.conversation_ids]
    changed = []
    for note in Notification.objects.filter(url__in=urls).only("id", "title", "body"):
        title, body = redact(note.title, erasure.phrases), redact(note.body, erasure.phrases)
        if (title, body) != (note.title, note.body):
            note.title, note.body = title, body
            changed.append(note)
    Notification.objects.bulk_update(changed, ["title", "body"], batch_size=500)


def _reindex(erasure: Erasure) -> None:
    """Search documents rebuilt from the erased rows: the old words are gone."""
    for pk in erasure.touched_conversation_ids:
        search.index_conversation(pk)
    for contact in Contact.objects.filter(pk__in=erasure.contact_ids):
        search.index_contact(contact)


#: Contributed to ``contacts.privacy.CONTACT_ERASERS``; the contacts app erases the
#: contact's own rows at 50 and failed jobs at 70, other apps' copies run at 500.
ERASERS = (
    Eraser(0, _read_conversations, "read conversations", preview=preview),
    Eraser(10, _erase_attachments, "attachments"),
    Eraser(30, _erase_messages, "messages"),
    Eraser(40, _erase_conversations, "conversations"),
    Eraser(55, _erase_auto_reply_log, "auto-reply log"),
    Eraser(56, _erase_web_requests, "web form requests"),
    Eraser(60, _erase_notifications, "notifications"),
    Eraser(1000, _reindex, "search documents"),
)
