"""Desk test data: contacts and conversations opened through the domain functions.

``ContactFactory`` and ``ConversationFactory`` build as mail intake does (a contact found
by an address, a conversation opened with its first customer message); ``make_contact``
and ``make_conversation`` are the short spellings most tests use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from servewell.contacts import contacts
from servewell.contacts.models import Contact
from servewell.desk import conversations
from servewell.desk.models import Channel, Conversation
from servewell.people.tests.factories import TeamFactory

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class ContactFactory(factory.django.DjangoModelFactory):
    """The contact who owns ``email`` (created on first contact, as intake does)."""

    class Meta:
        model = Contact

    name = "Ruth Okafor"
    email = factory.LazyAttributeSequence(
        lambda o, n: f"{o.name.split()[0].lower()}{n + 1}@customer.test"
    )

    @classmethod
    def _create(cls, model_class: type[Contact], *args: Any, **kwargs: Any) -> Contact:
        return contacts.contact_for_email(kwargs["email"], kwargs["name"])


class ConversationFactory(factory.django.DjangoModelFactory):
    """A conversation opened by ``conversations.open_conversation`` with the customer's
    first message (``body``); any other field of an opening passes through."""

    class Meta:
        model = Conversation

    team = factory.SubFactory(TeamFactory)
    contact = factory.SubFactory(ContactFactory)
    subject = "My parcel has not arrived"
    body = "I ordered a kettle ten days ago and it is still not here."
    channel = Channel.EMAIL
    now = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Conversation], *args: Any, **kwargs: Any) -> Conversation:
        body = kwargs.pop("body")
        conversation, _message = conversations.open_conversation(body_text=body, **kwargs)
        conversation.refresh_from_db()
        return conversation


def make_contact(name: str = "Ruth Okafor", email: str | None = None) -> Contact:
    return ContactFactory(name=name, **({"email": email} if email else {}))


def make_conversation(
    team,
    *,
    contact: Contact | None = None,
    now: dt.datetime | None = None,
    **kwargs: Any,
) -> Conversation:
    given = {"contact": contact, "now": now}
    return ConversationFactory(team=team, **{k: v for k, v in given.items() if v}, **kwargs)
