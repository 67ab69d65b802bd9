"""Customers' replies filed together (a batch of mail) end exactly as if each had been
added on its own: the same messages, versions, statuses, history, search and events."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servewell.desk import conversations, search
from servewell.desk.events import CONVERSATION_REOPENED, MESSAGE_RECEIVED
from servewell.desk.models import Activity, Conversation, Status
from servewell.desk.tests.factories import make_contact, make_conversation


def _world(care, alice):
    now = timezone.now().replace(microsecond=0)
    ruth, omar = make_contact("Ruth Okafor"), make_contact("Omar Haddad")
    solved = make_conversation(care, contact=ruth, now=now - timedelta(days=2))
    conversations.update_conversation(
        alice, solved, expected_version=None, status=Status.SOLVED, now=now - timedelta(days=1)
    )
    waiting = make_conversation(care, contact=omar, now=now - timedelta(hours=3))
    return now, ruth, omar, solved, waiting


def _replies(now, ruth, omar, solved, waiting):
    return [
        (solved.pk, {"contact": ruth, "now": now, "body_text": "The kettle leaks again."}),
        (waiting.pk, {"contact": omar, "now": now, "body_text": "Any news on the courier?"}),
        (solved.pk, {"contact": ruth, "now": now, "body_text": "Photo of the puddle attached."}),
    ]


def _outcome(*conversation_ids):
    rows = Conversation.objects.filter(pk__in=conversation_ids).order_by("pk")
    return [
        (
            c.pk,
            c.status,
            c.version,
            list(c.messages.order_by("id").values_list("body_text", flat=True)),
            [
                (verb, {k: v for k, v in data.items() if k != "message"})  # ids differ
                for verb, data in Activity.objects.filter(conversation=c)
                .order_by("id")
                .values_list("verb", "data")
            ],
        )
        for c in rows
    ]


def test_a_batch_of_replies_ends_as_the_same_replies_one_by_one(
    care, alice, django_capture_on_commit_callbacks
):
    # Two identical worlds: one fed one reply at a time, one fed the batch.
    one_by_one = _world(care, alice)
    for conversation_id, fields in _replies(*one_by_one):
        conversations.add_customer_message(conversation_id, **fields)
    together = _world(care, alice)
    with django_capture_on_commit_callbacks() as callbacks:
        messages = conversations.add_customer_messages(_replies(*together))

    alone = _outcome(one_by_one[3].pk, one_by_one[4].pk)
    batch = _outcome(together[3].pk, together[4].pk)
    assert [row[1:] for row in batch] == [row[1:] for row in alone]
    solved = Conversation.objects.get(pk=together[3].pk)
    assert solved.status == Status.OPEN and solved.solved_at is None  # reopened once
    assert [m.conversation_id for m in messages] == [together[3].pk, together[4].pk, together[3].pk]
    assert len(callbacks) == 3  # the two events and the pages' version notice, each in one hook
    assert {h.id for h in search.search(alice, "puddle")} == {one_by_one[3].pk, together[3].pk}


def test_replies_to_a_merged_conversation_land_in_the_one_it_was_merged_into(care, alice):
    from servewell.desk import merging

    now, ruth, _omar, solved, waiting = _world(care, alice)
    merging.merge(alice, waiting, solved, now=now)
    messages = conversations.add_customer_messages(
        [(waiting.pk, {"contact": ruth, "now": now, "body_text": "Still there?"})]
    )
    assert messages[0].conversation_id == solved.pk


def test_the_batch_events_are_those_of_single_replies(
    care, alice, django_capture_on_commit_callbacks, monkeypatch
):
    from servewell.core import events

    published = []
    monkeypatch.setattr(
        events,
        "publish_many",
        lambda name, payloads: published.extend((name, p["conversation"]) for p in payloads),
    )
    now, ruth, omar, solved, waiting = _world(care, alice)
    published.clear()  # opening the conversations published theirs
    conversations.add_customer_messages(_replies(now, ruth, omar, solved, waiting))
    assert published == [
        (MESSAGE_RECEIVED, solved.pk),
        (MESSAGE_RECEIVED, waiting.pk),
        (MESSAGE_RECEIVED, solved.pk),
        (CONVERSATION_REOPENED, solved.pk),
    ]
