"""Logging phone calls on a conversation or on a contact."""

from __future__ import annotations

import pytest

from servewell.core.errors import DomainError
from servewell.desk import calls
from servewell.desk.models import Channel, MessageKind, Status
from servewell.desk.tests.factories import make_contact, make_conversation


def test_call_on_a_conversation_is_part_of_its_thread(alice, care, commit, published):
    conv = make_conversation(care)
    with commit():
        message = calls.log_call(
            alice, conv, seconds=185, notes="Explained the returns label.", direction="outbound"
        )
    conv.refresh_from_db()
    assert message.kind == MessageKind.CALL
    assert (message.call_seconds, message.call_direction) == (185, "outbound")
    assert message.conversation == conv and conv.version == 2
    assert conv.first_response_at is not None
    assert conv.activities.filter(verb="call_logged", data__seconds=185).exists()
    assert published[-1][0] == "call.logged"


def test_call_on_a_contact_opens_a_phone_conversation(alice, care):
    ruth = make_contact("Ruth Okafor")
    message = calls.log_call(alice, ruth, seconds=60, notes="Asked about opening hours.", team=care)
    conv = message.conversation
    assert conv.channel == Channel.PHONE and conv.contact == ruth and conv.team == care
    assert conv.status == Status.OPEN
    assert conv.subject == "Phone call with Ruth Okafor"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seconds": -1}, "seconds"),
        ({"seconds": "ten"}, "seconds"),
        ({"seconds": 10, "direction": "sideways"}, "direction"),
    ],
)
def test_bad_call_details_are_refused(alice, care, kwargs, field):
    conv = make_conversation(care)
    with pytest.raises(DomainError) as caught:
        calls.log_call(alice, conv, **kwargs)
    assert caught.value.field == field


def test_call_on_a_contact_needs_a_team(alice):
    with pytest.raises(DomainError) as caught:
        calls.log_call(alice, make_contact(), seconds=5)
    assert caught.value.field == "team"
