"""Merging two conversations and splitting a message out of one."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.errors import DomainError
from servewell.core.models import AuditEntry
from servewell.desk import conversations, merging
from servewell.desk.models import Message, MessageKind, Status
from servewell.desk.tests.factories import T0, make_contact, make_conversation


def test_merge_moves_messages_and_closes_the_source_with_a_pointer(alice, care, commit, published):
    ruth = make_contact("Ruth Okafor")
    first = make_conversation(care, contact=ruth, subject="Kettle missing", now=T0)
    second = make_conversation(
        care, contact=ruth, subject="Where is my kettle??", now=T0 + dt.timedelta(hours=2)
    )
    conversations.update_conversation(alice, second, expected_version=1, tags=["urgent-ish"])
    conversations.follow(alice, second)
    with commit():
        target = merging.merge(alice, second, first)
    second.refresh_from_db()
    first.refresh_from_db()
    assert target == first
    assert first.messages.count() == 2 and second.messages.count() == 0
    assert second.status == Status.CLOSED and second.merged_into == first
    assert [t.name for t in first.tags.all()] == ["urgent-ish"]
    assert list(first.followers.all()) == [alice]
    assert first.activities.filter(verb="merged_from", data__source=second.pk).exists()
    assert second.activities.filter(verb="merged_into", data__target=first.pk).exists()
    assert AuditEntry.objects.filter(action="conversation.merged").count() == 1
    assert ("conversation.merged", published[-1][1]) == published[-1]
    assert merging.live(second) == first


def test_merge_reopens_a_solved_target_when_the_source_was_open(alice, care):
    old = make_conversation(care, now=T0)
    conversations.update_conversation(alice, old, expected_version=1, status=Status.SOLVED)
    new = make_conversation(care)
    merging.merge(alice, new, old)
    old.refresh_from_db()
    assert old.status == Status.OPEN


def test_merge_into_itself_or_twice_is_refused(alice, care):
    a, b, c = (make_conversation(care) for _ in range(3))
    with pytest.raises(DomainError):
        merging.merge(alice, a, a)
    merging.merge(alice, a, b)
    with pytest.raises(DomainError) as caught:
        merging.merge(alice, a, c)
    assert "already merged" in caught.value.message


def test_split_makes_a_message_the_start_of_a_new_conversation(alice, care, commit, published):
    conv = make_conversation(care, subject="Order 1182", now=T0)
    later = T0 + dt.timedelta(days=1)
    extra = conversations.add_customer_message(
        conv, contact=conv.contact, now=later, body_text="Also, my invoice address is wrong."
    )
    with commit():
        new = merging.split(alice, extra, subject="Invoice address")
    extra.refresh_from_db()
    assert extra.conversation == new
    assert new.subject == "Invoice address" and new.team == care and new.contact == conv.contact
    assert new.status == Status.OPEN and new.last_customer_message_at == later
    assert conv.messages.count() == 1
    assert conv.activities.filter(verb="split_to", data__other=new.pk).exists()
    assert new.activities.filter(verb="split_from", data__other=conv.pk).exists()
    assert "conversation.split" in [n for n, _ in published]


def test_split_refuses_the_only_message_and_agent_replies(alice, care):
    conv = make_conversation(care)
    only = conv.messages.get()
    with pytest.raises(DomainError):
        merging.split(alice, only)
    reply = conversations.reply(alice, conv, body_text="Hello", expected_version=conv.version)
    with pytest.raises(DomainError):
        merging.split(alice, reply)
    assert Message.objects.filter(kind=MessageKind.REPLY, conversation=conv).count() == 1


def test_a_merged_conversation_refuses_work_but_takes_customer_mail_to_its_target(alice, care):
    a, b = make_conversation(care), make_conversation(care)
    merging.merge(alice, b, a)
    b.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        conversations.reply(alice, b, body_text="Hi", expected_version=b.version)
    assert f"merged into #{a.pk}" in caught.value.message
    message = conversations.add_customer_message(
        b, contact=b.contact, now=T0, body_text="Replying to the old reference"
    )
    assert message.conversation_id == a.pk
