"""Reading on every core files exactly what one process files."""

import os
import shutil

import pytest

from servewell.contacts.models import Contact
from servewell.desk.models import Conversation, Message, MessageKind
from servewell.mail import intake, parallel
from servewell.mail.generate import generate_maildir, write_mbox
from servewell.mail.importer import import_path
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples

pytestmark = pytest.mark.skipif(not parallel.available(), reason="needs fork and two cores")


def _maildir(tmp_path, n=120):
    """A shuffled Maildir with a duplicate, an unreadable file and a bounce among it."""
    root = tmp_path / "md"
    written = generate_maildir(root, n, seed=3, attachment_share=1 / 3, shuffled=True)
    shutil.copy(written[5].path, root / "new" / "1500000000.copy.servewell")
    (root / "new" / "1500000001.junk.servewell").write_bytes(b"\x00\x01 not an email at all")
    bounce = samples.bounce(samples.plain(message_id="<ours@example.org>"))
    (root / "new" / "1500000002.bounce.servewell").write_bytes(bounce)
    return written


def _outcome():
    """What was filed, independent of row ids: threads as sets of Message-IDs, and every
    stored email's state and reason."""
    threads: dict[int, set[str]] = {}
    rows = Message.objects.filter(kind=MessageKind.CUSTOMER)
    for message_id, conversation_id in rows.values_list("email_message_id", "conversation_id"):
        threads.setdefault(conversation_id, set()).add(message_id)
    live = set(Conversation.objects.filter(merged_into__isnull=True).values_list("pk", flat=True))
    stored = sorted(InboundEmail.objects.values_list("dedup_key", "state", "reason"))
    return {frozenset(ids) for pk, ids in threads.items() if pk in live}, stored


def _forget_everything():
    Message.objects.all().delete()
    Conversation.objects.all().delete()
    InboundEmail.objects.all().delete()
    Contact.objects.all().delete()


def test_reading_in_worker_processes_files_exactly_what_one_process_files(care, tmp_path):
    written = _maildir(tmp_path)
    alone = import_path(tmp_path / "md", workers=0, batch=25)
    filed_alone = _outcome()
    _forget_everything()

    together = import_path(tmp_path / "md", workers=2, batch=25)

    assert together.counts == alone.counts
    assert _outcome() == filed_alone
    assert together.duplicate == 1 and together.quarantined == 1 and together.ignored == 1
    threads, _stored = filed_alone
    for mail in written:  # every reply sits with the email that began its thread
        assert any({mail.message_id, mail.root_id} <= thread for thread in threads)


def test_the_same_mails_as_an_mbox_after_a_parallel_import_are_all_duplicates(care, tmp_path):
    written = generate_maildir(tmp_path / "md", 80, seed=4, shuffled=True)
    import_path(tmp_path / "md", workers=2, batch=20)
    again = import_path(write_mbox(tmp_path / "all.mbox", written), workers=2, batch=20)
    assert again.duplicate == 80 and again.new == again.threaded == 0


def test_an_exception_in_a_worker_quarantines_that_mail_and_loses_nothing(
    care, tmp_path, monkeypatch
):
    written = generate_maildir(tmp_path / "md", 60, seed=5, shuffled=True)
    parent, real_parse = os.getpid(), intake.parse

    def parse_that_fails_on_two_mails(raw, **kwargs):
        if os.getpid() != parent and b"Message-ID: <gen7.5@" in raw:
            raise RuntimeError("a bug in the parser")
        if os.getpid() != parent and b"Message-ID: <gen9.5@" in raw:
            os._exit(9)  # the worker dies outright, as on a crash in C
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(intake, "parse", parse_that_fails_on_two_mails)

    summary = import_path(tmp_path / "md", workers=2, batch=10)

    assert summary.total == 60 and summary.quarantined == 2
    assert InboundEmail.objects.count() == 60  # every raw email is kept
    reasons = dict(
        InboundEmail.objects.filter(state=InboundEmail.State.QUARANTINED).values_list(
            "message_id", "reason"
        )
    )
    assert "RuntimeError('a bug in the parser')" in reasons["<gen7.5@mail.example.com>"]
    assert reasons["<gen9.5@mail.example.com>"] == parallel.DIED
    filed = set(Message.objects.values_list("email_message_id", flat=True))
    assert filed == {m.message_id for m in written} - set(reasons)
