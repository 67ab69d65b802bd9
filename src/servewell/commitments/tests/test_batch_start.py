"""New mail filed together starts its commitments together, with the same outcome as one
email at a time: every conversation gets its clocks and one acknowledgement."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from servewell.commitments import acknowledge
from servewell.commitments.models import SlaClock
from servewell.commitments.tests.test_screens_and_api import always_open, policy  # noqa: F401
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
    real, failed = acknowledge.acknowledge, []

    def fails_once_for_ben(conversation, *, now):
        if conversation.contact.emails.first().address == "ben@example.net" and not failed:
            failed.append(conversation.pk)
            raise RuntimeError("mail settings unreadable")
        return real(conversation, now=now)

    monkeypatch.setattr(acknowledge, "acknowledge", fails_once_for_ben)
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
