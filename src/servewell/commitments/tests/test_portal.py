"""The customer's own page: reached from the acknowledgement and every reply, showing
public messages, the status and the promise, and taking a reply that threads like mail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.commitments.tests.test_screens_and_api import (  # noqa: F401
    always_open,
    policy,
)
from servewell.contacts import privacy
from servewell.contacts.contacts import contact_for_email
from servewell.desk import conversations, customer_links
from servewell.desk.models import Conversation, Message, MessageKind, Status

LINK = re.compile(r"https?://\S+/your-request/(\S+)/")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _open(care, email="carol@example.net", body="My parcel never came"):
    conv, _ = conversations.open_conversation(
        team=care,
        contact=contact_for_email(email, "Carol Customer"),
        subject="Where is my parcel?",
        channel="email",
        now=timezone.now(),
        body_text=body,
    )
    return conv


def _link_path(email_body: str) -> str:
    match = LINK.search(email_body)
    assert match, email_body
    return f"/your-request/{match.group(1)}/"


@pytest.fixture
def acknowledged(policy, care, mailoutbox, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        conv = _open(care)
    assert len(mailoutbox) == 1
    return conv, _link_path(mailoutbox[0].body)


def test_the_acknowledgement_links_to_the_page_with_status_and_answer_by(acknowledged, client):
    conv, path = acknowledged
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Where is my parcel?" in html and "My parcel never came" in html
    assert "with our team" in html
    due = SlaClock.objects.get(conversation=conv, kind=ClockKind.FIRST_RESPONSE).due_at
    local = due.astimezone(dt.UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert "A person will answer" in html and f"{local:%H:%M}" in html


def test_the_page_shows_public_messages_never_notes(acknowledged, client, alice):
    conv, path = acknowledged
    conversations.add_note(alice, conv, body_text="Customer seems grumpy, internal")
    conv.refresh_from_db()
    conversations.reply(
        alice, conv, body_text="It is on its way", expected_version=None, deliver=False
    )
    html = client.get(path).content.decode()
    assert "It is on its way" in html
    assert "grumpy" not in html and "Alice" not in html


def test_a_reply_on_the_page_is_a_customer_message_that_restarts_the_clock(
    acknowledged, client, alice, django_capture_on_commit_callbacks
):
    conv, path = acknowledged
    conv.team.sla_policies.update(next_response_minutes=120)
    conv.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        conversations.reply(
            alice, conv, body_text="Which address?", expected_version=None, deliver=False
        )
    conv.refresh_from_db()
    assert conv.status == Status.PENDING
    assert "Waiting for your reply" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"body": "<script>alert(1)</script> 12 High St"})
    assert response.status_code == 302
    message = Message.objects.filter(conversation=conv).latest("id")
    assert message.kind == MessageKind.CUSTOMER and message.contact_id == conv.contact_id
    conv.refresh_from_db()
    assert conv.status == Status.OPEN and conv.last_customer_message_at is not None
    assert SlaClock.objects.filter(
        conversation=conv, kind=ClockKind.NEXT_RESPONSE, state=ClockState.RUNNING
    ).exists()
    html = client.get(path).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_an_empty_reply_is_a_form_error_and_stores_nothing(acknowledged, client):
    conv, path = acknowledged
    count = Message.objects.filter(conversation=conv).count()
    response = client.post(path, {"body": "   "})
    assert response.status_code == 400 and "Write your message" in response.content.decode()
    assert Message.objects.filter(conversation=conv).count() == count


def test_replies_from_the_page_are_rate_limited(acknowledged, client):
    conv, path = acknowledged
    codes = [client.post(path, {"body": f"again {n}"}).status_code for n in range(12)]
    assert codes[:10] == [302] * 10 and codes[10:] == [429, 429]


def test_a_tampered_link_is_a_clear_404_that_names_nothing(acknowledged, client):
    conv, path = acknowledged
    token = path.split("/")[2]
    for bad in (token[:-2] + "xx", "abc", token.replace(":", "", 1), "%00"):
        page = client.get(f"/your-request/{bad}/")
        assert page.status_code == 404
        html = page.content.decode()
        assert "This link does not work" in html and "parcel" not in html
    assert client.post(f"/your-request/{token[:-2]}xx/", {"body": "hi"}).status_code == 404


def test_an_expired_link_is_a_410(acknowledged, client, settings):
    conv, _path = acknowledged
    old = customer_links.make_token(conv, now=timezone.now() - dt.timedelta(days=31))
    page = client.get(f"/your-request/{old}/")
    assert page.status_code == 410 and "expired" in page.content.decode()
    settings.CUSTOMER_LINK_DAYS = 40
    assert client.get(f"/your-request/{old}/").status_code == 200


def test_a_link_opens_only_its_own_contacts_conversation(acknowledged, care, client):
    conv, _path = acknowledged
    other = _open(care, email="dan@example.net", body="Dan's private matter")
    payload, signature = customer_links.make_token(conv, now=timezone.now()).split(":")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["c"] = other.pk
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    forged = edited.decode().rstrip("=") + ":" + signature
    assert client.get(f"/your-request/{forged}/").status_code == 404
    Conversation.objects.filter(pk=conv.pk).update(contact=other.contact)
    _c, path = acknowledged
    assert client.get(path).status_code == 404


def test_an_erased_contacts_link_shows_nothing(acknowledged, client, adam):
    conv, path = acknowledged
    contact = conv.contact
    privacy.erase_contact(adam, contact, confirm=privacy.confirmation_word(contact))
    page = client.get(path)
    assert page.status_code == 404 and "parcel" not in page.content.decode()


def test_every_reply_email_carries_a_fresh_link(
    policy,  # noqa: F811
    care,
    alice,
    mailoutbox,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        conv = _open(care)
    conv.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        conversations.reply(alice, conv, body_text="On its way", expected_version=None)
    reply = mailoutbox[-1]
    assert reply.body.startswith("On its way")
    path = _link_path(reply.body)
    conv_id, contact_id = customer_links.read_token(path.split("/")[2], now=timezone.now())
    assert (conv_id, contact_id) == (conv.pk, conv.contact_id)


def test_a_reply_ends_with_the_authors_signature_unless_left_out(policy, care, alice):  # noqa: F811
    alice.signature = "Alice, Care team"
    alice.save()
    conv = _open(care)
    conv.refresh_from_db()
    signed = conversations.reply(
        alice, conv, body_text="Hello", expected_version=None, deliver=False
    )
    assert signed.body_text == "Hello\n\nAlice, Care team"
    conv.refresh_from_db()
    plain = conversations.reply(
        alice, conv, body_text="Hi", expected_version=None, deliver=False, sign=False
    )
    assert plain.body_text == "Hi"
