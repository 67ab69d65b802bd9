"""Mail filed in batches (imports, mailbox polls): the same outcome as one at a time."""

from datetime import UTC, datetime

from servewell.desk.models import Attachment, Conversation, Message
from servewell.mail import intake
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples

NOW = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def _batch(raws):
    return intake.ingest_many(raws, source="test", now=NOW)


def test_a_reply_in_the_same_batch_joins_the_conversation_its_question_opens(care):
    question = samples.plain("Where is it?", message_id="<q1@example.com>")
    other = samples.plain("A different matter.", frm="Ann <ann@example.net>", subject="Refund")
    reply = samples.plain(
        "Any news?",
        subject="Re: Where is my parcel?",
        message_id="<q2@example.com>",
        in_reply_to="<q1@example.com>",
        references="<q1@example.com>",
    )
    follow_up = samples.plain(  # answers the reply only: threads through it
        "Still waiting.", message_id="<q3@example.com>", in_reply_to="<q2@example.com>"
    )
    results = _batch([question, other, reply, follow_up])
    assert [r.state for r in results] == ["new", "new", "threaded", "threaded"]
    conversation = results[0].conversation
    assert results[2].conversation == results[3].conversation == conversation
    assert list(conversation.messages.values_list("body_text", flat=True)) == [
        "Where is it?",
        "Any news?",
        "Still waiting.",
    ]
    assert Conversation.objects.count() == 2
    assert conversation.contact == results[2].message.contact  # one contact, not two


def test_the_same_email_twice_in_one_batch_is_filed_once(care):
    raw = samples.plain(message_id="<twice@example.com>")
    results = _batch([raw, raw])
    assert [r.state for r in results] == ["new", "duplicate"]
    assert results[1].conversation == results[0].conversation
    assert Message.objects.count() == InboundEmail.objects.count() == 1


def test_a_batch_again_files_nothing_twice(care):
    raws = [samples.plain(f"Email {n}") for n in range(5)]
    _batch(raws)
    again = _batch(raws)
    assert {r.state for r in again} == {"duplicate"}
    assert all(r.conversation is not None for r in again)  # each points at its message
    assert Message.objects.count() == 5


def test_one_email_that_cannot_be_filed_is_quarantined_and_the_rest_are_filed(care, monkeypatch):
    """The storage refuses one attachment (a full disk, say): the batch is filed again
    one email at a time, so only that email waits in the quarantine, raw bytes kept."""
    storage = Attachment._meta.get_field("file").storage
    real_save = storage.save

    def save(name, content, *args, **kwargs):
        if "broken" in name:
            raise OSError("No space left on device")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(storage, "save", save)
    good = samples.alternative(attachments=[("fine.pdf", "application/pdf", b"%PDF-1.4")])
    bad = samples.alternative(
        attachments=[("broken.pdf", "application/pdf", b"%PDF-1.4")], message_id="<bad@x.org>"
    )
    results = _batch([samples.plain("First"), bad, good])
    assert [r.state for r in results] == ["new", "quarantined", "new"]
    assert "No space left on device" in results[1].reason
    quarantined = InboundEmail.objects.get(message_id="<bad@x.org>")
    assert quarantined.state == InboundEmail.State.QUARANTINED
    assert b"broken.pdf" in bytes(quarantined.raw)
    assert Conversation.objects.count() == 2
    assert Attachment.objects.get().filename == "fine.pdf"
