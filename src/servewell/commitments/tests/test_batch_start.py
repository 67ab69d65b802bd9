"""New mail filed together starts its commitments together, with the same outcome as one
email at a time: every conversation gets its clocks and one acknowledgement."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from servewell.commitments import acknowledge
from servewell.commitments.models import SlaClock
from servewell.commitments.tests.test_screens_and_api import always_open, policy  # noqa: F401
from servewell.desk.models import Activity
from servewell.mail import intake
from servewell.mail.tests import samples

SENDERS = ["ann@example.net", "ben@example.net", "cas@example.net"]


def _file_together(capture):
    raws = [samples.plain(frm=s, to="care@example.org") for s in SENDERS]
    with capture(execute=True):
        results = intake.ingest_many(raws, source="test", now=timezone.now())
    return [r.conversation_id for r in results]


def test_a_batch_of_new_mail_gets_clocks_and_one_acknowledgement_each(
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    ids = _file_together(django_capture_on_commit_callbacks)
    clocks = SlaClock.objects.filter(conversation_id__in=ids)
    assert sorted(clocks.values_list("conversation_id", "kind")) == sorted(
        (pk, kind) for pk in ids for kind in ("first_response", "resolution")
    )
    assert sorted(m.to[0] for m in mailoutbox) == SENDERS


def test_when_the_batch_fails_each_conversation_is_started_once_on_its_own(
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    real, failed = acknowledge.acknowledge_many, []

    def fails_once_for_ben(conversations, *, now):
        for conversation in conversations:
            if conversation.contact.emails.first().address == "ben@example.net" and not failed:
                failed.append(conversation.pk)
                raise RuntimeError("mail settings unreadable")
        return real(conversations, now=now)

    monkeypatch.setattr(acknowledge, "acknowledge_many", fails_once_for_ben)
    ids = _file_together(django_capture_on_commit_callbacks)
    assert failed, "the batch did fail"
    # The batch rolled back whole; each conversation then started in a job of its own.
    assert SlaClock.objects.filter(conversation_id__in=ids).count() == 2 * len(ids)
    assert sorted(m.to[0] for m in mailoutbox) == SENDERS  # nobody acknowledged twice


def test_replies_filed_together_reach_the_clocks_once_each_even_when_the_batch_fails(
    policy,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from servewell.commitments import sla

    ids = _file_together(django_capture_on_commit_callbacks)
    real, handled, failed = sla.customer_wrote, [], []

    def fails_once(conversation, *, at):
        if conversation.pk == ids[1] and not failed:
            failed.append(conversation.pk)
            raise RuntimeError("clock table locked")
        real(conversation, at=at)
        pk = conversation.pk
        transaction.on_commit(lambda: handled.append(pk))  # dropped if rolled back

    monkeypatch.setattr(sla, "customer_wrote", fails_once)
    replies = [
        samples.plain("Any news?", subject=f"Re: [#{pk}] Where is my parcel?", frm=s)
        for pk, s in zip(ids, SENDERS, strict=True)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        results = intake.ingest_many(replies, source="test", now=timezone.now())
    assert [r.conversation_id for r in results] == ids  # each joined its conversation
    assert failed == [ids[1]]
    assert sorted(handled) == sorted(ids)  # the failed batch was redone one by one, once each


def test_a_batch_counts_its_own_acknowledgements_against_the_rate_limit(
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
):
    """Three new requests from one address in one batch, with a limit of two automatic
    emails per address: two acknowledgements, as if the mail had come one by one."""
    settings.DESK_AUTO_REPLY_LIMIT = 2
    raws = [
        samples.plain(f"Question {n}", subject=f"Question {n}", frm="jo@example.net")
        for n in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        intake.ingest_many(raws, source="test", now=timezone.now())
    assert [m.to[0] for m in mailoutbox] == ["jo@example.net"] * 2


def test_one_acknowledgement_that_cannot_be_sent_is_retried_alone(
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    """The batch's other acknowledgements go out once each; the one the mail server
    refused is sent by a job of its own."""
    from django.core.mail import EmailMessage

    real, refused = EmailMessage.send, []

    def refuses_ben_once(message, *args, **kwargs):
        if message.to == ["ben@example.net"] and not refused:
            refused.append(message.to[0])
            raise ConnectionError("452 mailbox full")
        return real(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuses_ben_once)
    ids = _file_together(django_capture_on_commit_callbacks)
    assert refused == ["ben@example.net"]
    assert sorted(m.to[0] for m in mailoutbox) == SENDERS  # ben's too, and nobody twice
    acknowledged = Activity.objects.filter(conversation_id__in=ids, verb="acknowledged")
    assert acknowledged.count() == len(SENDERS)


def test_when_the_mail_server_is_away_no_acknowledgement_of_the_batch_is_lost(
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from django.core.mail.backends.locmem import EmailBackend

    real, refused = EmailBackend.open, []

    def away_once(backend):
        if not refused:
            refused.append(1)
            raise ConnectionRefusedError("connection refused")
        return real(backend)

    monkeypatch.setattr(EmailBackend, "open", away_once)
    _file_together(django_capture_on_commit_callbacks)
    assert refused
    assert sorted(m.to[0] for m in mailoutbox) == SENDERS
