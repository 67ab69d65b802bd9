"""An existing database moves its contacts into the contacts app without losing a row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from servewell.contacts.models import Contact, ContactEmail, ContactPhone
from servewell.desk.models import Conversation, Message
from tests.support.db import migrate_to

BEFORE = [
    ("desk", "0006_message_cc_bcc"),
    ("contacts", None),
]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _populate(apps) -> dict[str, int]:
    """Rows written by the pre-split code, through the models as they were then."""
    calendar = apps.get_model("people", "Calendar").objects.create(name="Split")
    team = apps.get_model("people", "Team").objects.create(
        name="Split", slug="split", calendar=calendar
    )
    contact_model = apps.get_model("desk", "Contact")
    ruth = contact_model.objects.create(name="Ruth Okafor", organisation="Okafor Ltd")
    old = contact_model.objects.create(name="Ruth (old record)", merged_into=ruth)
    apps.get_model("desk", "ContactEmail").objects.create(
        contact=ruth, address="ruth@customer.test", is_primary=True
    )
    apps.get_model("desk", "ContactEmail").objects.create(contact=old, address="ruth@old.test")
    apps.get_model("desk", "ContactPhone").objects.create(contact=ruth, number="+447700900123")
    conversation = apps.get_model("desk", "Conversation").objects.create(
        subject="My parcel has not arrived",
        channel="email",
        team=team,
        contact=ruth,
        created_at=T0,
        updated_at=T0,
    )
    apps.get_model("desk", "Message").objects.create(
        conversation=conversation, kind="customer", contact=ruth, body_text="Hi", created_at=T0
    )
    return {"ruth": ruth.pk, "old": old.pk, "conversation": conversation.pk}


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_keeps_its_contacts_when_they_move_to_the_contacts_app():
    executor = migrate_to(BEFORE)
    ids = _populate(executor.loader.project_state(BEFORE[0]).apps)
    ContentType.objects.filter(app_label="contacts").delete()
    content_type = ContentType.objects.get_or_create(app_label="desk", model="contact")[0]

    migrate_to(executor.loader.graph.leaf_nodes())

    ruth = Contact.objects.get(pk=ids["ruth"])
    assert (ruth.name, ruth.organisation) == ("Ruth Okafor", "Okafor Ltd")
    assert Contact.objects.get(pk=ids["old"]).merged_into == ruth
    assert {e.address for e in ContactEmail.objects.filter(contact__merged_into=ruth)} == {
        "ruth@old.test"
    }
    assert [(e.address, e.is_primary) for e in ruth.emails.all()] == [("ruth@customer.test", True)]
    assert [p.number for p in ContactPhone.objects.filter(contact=ruth)] == ["+447700900123"]
    conversation = Conversation.objects.get(pk=ids["conversation"])
    assert conversation.contact == ruth
    assert list(ruth.conversations.all()) == [conversation]
    assert Message.objects.get(conversation=conversation).contact == ruth
    # Permissions and admin history that named the contact model still do.
    assert ContentType.objects.get_for_model(Contact).pk == content_type.pk
