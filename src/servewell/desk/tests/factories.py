"""Desk test data: contacts and conversations opened through the domain functions."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from servewell.contacts import contacts
from servewell.desk import conversations
from servewell.desk.models import Channel, Conversation

_n = itertools.count(1)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def make_contact(name: str = "Ruth Okafor", email: str | None = None):
    email = email or f"{name.split()[0].lower()}{next(_n)}@customer.test"
    return contacts.contact_for_email(email, name)


def make_conversation(
    team,
    *,
    subject: str = "My parcel has not arrived",
    body: str = "I ordered a kettle ten days ago and it is still not here.",
    contact=None,
    channel: str = Channel.EMAIL,
    now: dt.datetime | None = None,
    **kwargs,
) -> Conversation:
    conversation, _message = conversations.open_conversation(
        team=team,
        contact=contact or make_contact(),
        subject=subject,
        channel=channel,
        now=now or timezone.now(),
        body_text=body,
        **kwargs,
    )
    conversation.refresh_from_db()
    return conversation
