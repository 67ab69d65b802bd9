"""Replies, notes, field changes, taking and following — with history, audit and events."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.errors import DomainError
from servewell.core.models import AuditEntry
from servewell.desk import conversations
from servewell.desk.conversations import StaleVersion
from servewell.desk.models import Channel, MessageKind, Priority, Status
from servewell.desk.tests.factories import T0, make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person


@pytest.fixture
def conv(care):
    return make_conversation(care, now=T0)


def verbs(conversation):
    return [a.verb for a in conversation.activities.order_by("at", "id")]


def test_reply_waits_on_the_customer_and_counts_as_first_response(alice, conv, commit, published):
    later = T0 + dt.timedelta(minutes=20)
    with commit():
        message = conversations.reply(
            alice, conv, body_text="Let me check that for you.", expected_version=1, now=later
        )
    conv.refresh_from_db()
    assert message.kind == MessageKind.REPLY and message.author == alice
    assert conv.status == Status.PENDING
    assert conv.first_response_at == later and conv.updated_at == later
    assert conv.assignee == alice, "an unassigned conversation goes to whoever answers it"
    assert conv.version == 2
    assert verbs(conv)[-3:] == ["replied", "status_changed", "assigned"]
    assert AuditEntry.objects.filter(action="conversation.replied", object_id=str(conv.pk)).exists()
    names = [name for name, _ in published]
    assert "message.replied" in names and "conversation.assigned" in names


def test_reply_on_an_email_conversation_is_handed_to_the_mail_pipeline(alice, conv, commit):
    with commit():
        message = conversations.reply(alice, conv, body_text="On its way.", expected_version=1)
    message.refresh_from_db()
    assert message.delivery_status in {"queued", "sent"}
    assert message.email_message_id


def test_history_recorded_without_delivery_is_not_emailed(alice, conv, commit):
    with commit():
        message = conversations.reply(
            alice, conv, body_text="Imported.", expected_version=1, deliver=False
        )
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_reply_on_a_chat_conversation_is_not_emailed(alice, care):
    chat = make_conversation(care, channel=Channel.CHAT)
    message = conversations.reply(alice, chat, body_text="Hi!", expected_version=chat.version)
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_stale_reply_is_refused_with_the_fresh_state_and_what_changed(alice, lena, conv):
    conversations.reply(lena, conv, body_text="Sent a replacement.", expected_version=1)
    with pytest.raises(StaleVersion) as caught:
        conversations.reply(alice, conv, body_text="Checking now.", expected_version=1)
    error = caught.value
    assert error.status == 409 and error.code == "conflict"
    body = error.as_dict()
    assert body["current"]["version"] == 2
    assert body["current"]["status"] == Status.PENDING
    assert any("Lena" in line and "replied" in line for line in body["changes"])
    assert conv.messages.filter(kind=MessageKind.REPLY).count() == 1, "nothing was saved"


def test_empty_reply_is_refused(alice, conv):
    with pytest.raises(DomainError) as caught:
        conversations.reply(alice, conv, body_text="   ", expected_version=1)
    assert caught.value.field == "body_text"


def test_note_keeps_status_but_warns_colleagues_through_the_version(alice, conv, commit, published):
    with commit():
        note = conversations.add_note(alice, conv, body_text="Customer called twice already.")
    conv.refresh_from_db()
    assert note.kind == MessageKind.NOTE
    assert conv.status == Status.NEW and conv.version == 2
    assert "note_added" in verbs(conv)
    assert published[-1][0] == "note.added"
    assert published[-1][1]["message"] == note.pk


def test_update_changes_only_what_is_given_and_records_each_change(alice, conv, commit, published):
    with commit():
        conversations.update_conversation(
            alice,
            conv,
            expected_version=1,
            status=Status.ON_HOLD,
            priority=Priority.URGENT,
            tags=["Refund", "kettle", "refund"],
        )
    conv.refresh_from_db()
    assert (conv.status, conv.priority) == (Status.ON_HOLD, Priority.URGENT)
    assert sorted(t.name for t in conv.tags.all()) == ["kettle", "refund"]
    assert conv.is_open
    assert {"status_changed", "priority_changed", "tags_changed"} <= set(verbs(conv))
    entry = AuditEntry.objects.get(action="conversation.updated", object_id=str(conv.pk))
    assert entry.before["status"] == "new" and entry.after["status"] == "on_hold"
    assert entry.after["tags"] == ["kettle", "refund"]
    updated = [p for n, p in published if n == "conversation.updated"]
    assert updated[-1]["changed"] == ["priority", "status", "tags"]


def test_solving_sets_solved_at_and_closes_the_open_flag(alice, conv):
    conversations.update_conversation(alice, conv, expected_version=1, status=Status.SOLVED, now=T0)
    conv.refresh_from_db()
    assert conv.solved_at == T0 and not conv.is_open


def test_stale_update_is_refused(alice, lena, conv):
    conversations.update_conversation(lena, conv, expected_version=1, priority=Priority.HIGH)
    with pytest.raises(StaleVersion) as caught:
        conversations.update_conversation(alice, conv, expected_version=1, status=Status.SOLVED)
    assert caught.value.as_dict()["current"]["priority"] == Priority.HIGH
    conv.refresh_from_db()
    assert conv.status == Status.NEW


def test_update_without_changes_keeps_the_version(alice, conv):
    conversations.update_conversation(alice, conv, expected_version=1, status=Status.NEW)
    conv.refresh_from_db()
    assert conv.version == 1


def test_assignee_must_be_an_agent_of_the_team(alice, bob, conv):
    with pytest.raises(DomainError) as caught:
        conversations.update_conversation(alice, conv, expected_version=1, assignee=bob)
    assert caught.value.field == "assignee"


def test_moving_to_another_team_unassigns_a_non_member(alice, orders, conv):
    conversations.take(alice, conv)
    conv.refresh_from_db()
    conversations.update_conversation(alice, conv, expected_version=conv.version, team=orders)
    conv.refresh_from_db()
    assert conv.team == orders and conv.assignee is None
    assert {"team_changed", "unassigned"} <= set(verbs(conv))


def test_take_assigns_to_me_and_refuses_when_a_colleague_was_quicker(alice, lena, conv):
    conversations.take(lena, conv, expected_version=1)
    with pytest.raises(StaleVersion):
        conversations.take(alice, conv, expected_version=1)
    conv.refresh_from_db()
    assert conv.assignee == lena


def test_quality_reviewer_cannot_be_assigned(care, conv, alice):
    quinn = make_person("quinn", [Role.QA], team=care)
    with pytest.raises(DomainError):
        conversations.update_conversation(alice, conv, expected_version=1, assignee=quinn)


def test_follow_and_unfollow(alice, conv):
    assert conversations.follow(alice, conv) is True
    assert conversations.follow(alice, conv) is False
    assert list(conv.followers.all()) == [alice]
    conversations.unfollow(alice, conv)
    assert not conv.followers.exists()
    conv.refresh_from_db()
    assert conv.version == 1, "following is not a change colleagues must reload for"
    assert verbs(conv)[-2:] == ["followed", "unfollowed"]


def test_customer_writing_again_reopens_a_solved_conversation(alice, conv):
    conversations.update_conversation(alice, conv, expected_version=1, status=Status.SOLVED, now=T0)
    conversations.add_customer_message(
        conv, contact=conv.contact, now=T0 + dt.timedelta(days=1), body_text="Still broken."
    )
    conv.refresh_from_db()
    assert conv.status == Status.OPEN and conv.solved_at is None
    assert verbs(conv)[-1] == "reopened"


def test_the_history_speaks_in_labels_not_stored_values(alice, conv):
    conversations.update_conversation(
        alice, conv, expected_version=conv.version, status=Status.ON_HOLD, now=T0
    )
    conv.refresh_from_db()
    conversations.update_conversation(
        alice, conv, expected_version=conv.version, priority=Priority.URGENT, now=T0
    )
    lines = [conversations.describe(a) for a in conv.activities.order_by("at", "id")]
    assert f"{alice} set the status to on hold" in lines
    assert f"{alice} set the priority to urgent" in lines
    assert not [line for line in lines if "on_hold" in line]
