"""An existing database moves its inbound mail and mailboxes into the mail app without
losing a row: the tables keep their names, only Django's idea of who owns them changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from servewell.desk.models import Message
from servewell.mail.models import InboundEmail, Mailbox
from tests.support.db import migrate_to

BEFORE = [
    ("desk", "0007_contacts_move_to_contacts_app"),
    ("mail", None),
]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RAW = b"From: ruth@customer.test\r\nSubject: Parcel\r\nMessage-ID: <p1@customer.test>\r\n\r\nHi\r\n"


def _populate(apps) -> dict[str, int]:
    """Rows written by the code before the move, through the models as they were then."""
    calendar = apps.get_model("people", "Calendar").objects.create(name="Move")
    team = apps.get_model("people", "Team").objects.create(
        name="Move", slug="move", calendar=calendar
    )
    ruth = apps.get_model("contacts", "Contact").objects.create(name="Ruth Okafor")
    inbound_model = apps.get_model("desk", "InboundEmail")
    filed = inbound_model.objects.create(
        raw=RAW,
        raw_sha256="a" * 64,
        message_id="p1@customer.test",
        dedup_key="mid:p1@customer.test",
        source="imap:Care",
        received_at=T0,
        state="processed",
        processed_at=T0,
    )
    quarantined = inbound_model.objects.create(
        raw=b"garbage",
        raw_sha256="b" * 64,
        dedup_key="sha:" + "b" * 64,
        source="http",
        received_at=T0,
        state="quarantined",
        reason="No sender address",
    )
    conversation = apps.get_model("desk", "Conversation").objects.create(
        subject="Parcel", channel="email", team=team, contact=ruth, created_at=T0, updated_at=T0
    )
    message = apps.get_model("desk", "Message").objects.create(
        conversation=conversation,
        kind="customer",
        contact=ruth,
        body_text="Hi",
        created_at=T0,
        email_message_id="p1@customer.test",
        inbound=filed,
    )
    mailbox = apps.get_model("desk", "Mailbox").objects.create(
        name="Care inbox",
        team=team,
        host="imap.example.org",
        username="care",
        password_env="CARE_IMAP_PASSWORD",
        uidvalidity=77,
        last_uid=1234,
    )
    return {
        "filed": filed.pk,
        "quarantined": quarantined.pk,
        "message": message.pk,
        "mailbox": mailbox.pk,
        "team": team.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_keeps_its_mail_when_it_moves_to_the_mail_app():
    executor = migrate_to(BEFORE)
    ids = _populate(executor.loader.project_state(BEFORE[0]).apps)
    ContentType.objects.filter(app_label="mail").delete()
    content_type = ContentType.objects.get_or_create(app_label="desk", model="inboundemail")[0]

    migrate_to(executor.loader.graph.leaf_nodes())

    filed = InboundEmail.objects.get(pk=ids["filed"])
    assert bytes(filed.raw) == RAW
    assert (filed.dedup_key, filed.source, filed.state) == (
        "mid:p1@customer.test",
        "imap:Care",
        InboundEmail.State.PROCESSED,
    )
    quarantined = InboundEmail.objects.get(pk=ids["quarantined"])
    assert (quarantined.state, quarantined.reason) == ("quarantined", "No sender address")
    # The message still knows the email it came from, and the email its message.
    message = Message.objects.get(pk=ids["message"])
    assert message.inbound == filed
    assert filed.message == message
    assert list(InboundEmail.objects.filter(message__isnull=True)) == [quarantined]
    mailbox = Mailbox.objects.get(pk=ids["mailbox"])
    assert (mailbox.name, mailbox.team_id, mailbox.uidvalidity, mailbox.last_uid) == (
        "Care inbox",
        ids["team"],
        77,
        1234,
    )
    # A second delivery of the same mail is still recognised by its dedup key.
    assert InboundEmail.objects.filter(dedup_key="mid:p1@customer.test").count() == 1
    # Permissions and admin history that named the model still do.
    assert ContentType.objects.get_for_model(InboundEmail).pk == content_type.pk
