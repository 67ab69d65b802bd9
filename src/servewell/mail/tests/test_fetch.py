"""IMAP polling against a real Dovecot on loopback (skipped where it cannot run)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servewell.desk.models import Message
from servewell.mail import imap
from servewell.mail.models import InboundEmail, Mailbox
from servewell.mail.tests import samples

USER, PASSWORD = samples.IMAP_USER, samples.IMAP_PASSWORD


@pytest.fixture
def mailbox(dovecot, care, monkeypatch, request):
    # Each test gets its own folder so the module-wide server starts clean for it.
    folder = f"T{abs(hash(request.node.name)) % 10**8}"
    conn = dovecot.client(USER)
    conn.create(folder)
    conn.logout()
    monkeypatch.setenv("CARE_IMAP_PASSWORD", PASSWORD)
    return Mailbox.objects.create(
        name="Care inbox",
        team=care,
        host=dovecot.host,
        port=dovecot.port,
        use_ssl=False,
        username=USER,
        password_env="CARE_IMAP_PASSWORD",
        folder=folder,
    )


def test_new_mail_is_fetched_filed_and_only_then_marked_seen(dovecot, mailbox):
    dovecot.deliver(USER, samples.plain(message_id="<imap1@example.com>"), mailbox.folder)
    dovecot.deliver(USER, samples.plain("Again", in_reply_to="<imap1@example.com>"), mailbox.folder)
    assert all("Seen" not in f for f in dovecot.flags(USER, mailbox.folder).values())
    [result] = imap.poll_all(force=True)
    assert result.error == ""
    assert result.states == {"new": 1, "threaded": 1}
    assert Message.objects.count() == 2
    assert Message.objects.values("conversation").distinct().count() == 1
    assert all("\\Seen" in f for f in dovecot.flags(USER, mailbox.folder).values())
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2 and mailbox.uidvalidity
    assert InboundEmail.objects.filter(source="imap:Care inbox").count() == 2


def test_the_bookmark_skips_what_was_fetched_and_picks_up_new_mail(dovecot, mailbox):
    dovecot.deliver(USER, samples.plain(message_id="<imap2@example.com>"), mailbox.folder)
    imap.poll_all(force=True)
    # Someone marks it unseen again in their mail client: the UID bookmark still holds.
    conn = dovecot.client(USER)
    conn.select(mailbox.folder)
    conn.uid("STORE", "1", "-FLAGS", r"(\Seen)")
    conn.logout()
    dovecot.deliver(USER, samples.plain(message_id="<imap3@example.com>"), mailbox.folder)
    [result] = imap.poll_all(force=True)
    assert result.fetched == 1 and result.states == {"new": 1}
    assert Message.objects.count() == 2


def test_a_changed_uidvalidity_restarts_the_bookmark_without_duplicates(dovecot, mailbox):
    dovecot.deliver(USER, samples.plain(message_id="<imap4@example.com>"), mailbox.folder)
    imap.poll_all(force=True)
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1, last_uid=99)
    [result] = imap.poll_all(force=True)
    assert result.states == {"duplicate": 1}
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity != 1 and mailbox.last_uid == 1
    assert Message.objects.count() == 1


def test_processed_mail_can_be_moved_to_another_folder(dovecot, mailbox):
    conn = dovecot.client(USER)
    conn.create(mailbox.folder + "-done")
    conn.logout()
    Mailbox.objects.filter(pk=mailbox.pk).update(move_to=mailbox.folder + "-done")
    dovecot.deliver(USER, samples.plain(message_id="<imap5@example.com>"), mailbox.folder)
    dovecot.deliver(USER, b"garbage that is no email", mailbox.folder)
    [result] = imap.poll_all(force=True)
    assert result.states == {"new": 1, "quarantined": 1}
    assert dovecot.flags(USER, mailbox.folder) == {}
    assert len(dovecot.flags(USER, mailbox.folder + "-done")) == 2


def test_a_wrong_password_is_recorded_on_the_mailbox_not_raised(dovecot, mailbox, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "wrong")
    dovecot.deliver(USER, samples.plain(), mailbox.folder)
    [result] = imap.poll_all(force=True)
    assert "failed" in result.error.lower() or "auth" in result.error.lower()
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_uid == 0
    assert Message.objects.count() == 0


def test_the_minute_job_claims_a_mailbox_once(dovecot, mailbox):
    dovecot.deliver(USER, samples.plain(), mailbox.folder)
    assert len(imap.poll_all()) == 1
    assert imap.poll_all() == []  # polled seconds ago: another worker's turn is skipped


def test_fetch_mail_command_reports_per_mailbox(dovecot, mailbox):
    dovecot.deliver(USER, samples.plain(), mailbox.folder)
    out = StringIO()
    call_command("fetch_mail", "--mailbox", "Care inbox", stdout=out)
    assert "Care inbox: 1 fetched (1 new)" in out.getvalue()
    with pytest.raises(CommandError, match="No mailbox"):
        call_command("fetch_mail", "--mailbox", "nope")
