"""The composer: attachments, CC and BCC, forwarding, the signature and @mentions —
through the domain, the conversation page and the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from servewell.core.audit import AuditEntry
from servewell.core.errors import DomainError
from servewell.core.models import Notification
from servewell.desk import composer, conversations, mentions
from servewell.desk.models import Activity, Attachment, Channel, Message, MessageKind
from servewell.desk.tests.factories import make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DESK_ATTACHMENT_MAX_BYTES = 1000


@pytest.fixture
def conv(care):
    return make_conversation(care, subject="Kettle lid cracked")


def pdf(name="invoice.pdf", size=100):
    return composer.Upload(name, "application/pdf", b"%" * size)


def stored_files(tmp_path):
    return [p for p in tmp_path.rglob("*") if p.is_file()]


# --- Replies: attachments, CC, BCC, signature ---------------------------------------------


def test_a_reply_with_a_file_and_copies_is_sent_with_them_and_bcc_stays_in_the_envelope(
    alice, conv, commit
):
    with commit():
        message = composer.reply(
            alice,
            conv,
            body_text="Here is the invoice.",
            expected_version=conv.version,
            cc="Boss@Customer.test, boss@customer.test",
            bcc=["audit@example.org"],
            attachments=[pdf()],
        )
    assert message.cc == ["boss@customer.test"] and message.bcc == ["audit@example.org"]
    [file] = message.attachments.all()
    assert (file.filename, file.size, file.content_type) == ("invoice.pdf", 100, "application/pdf")
    [email] = mail.outbox
    assert email.cc == ["boss@customer.test"]
    assert "audit@example.org" in email.recipients()
    raw = email.message().as_string()
    assert "Bcc" not in raw and "audit@example.org" not in raw
    assert [a[0] for a in email.attachments] == ["invoice.pdf"]


def test_invalid_cc_too_large_or_too_many_files_are_refused_and_nothing_is_written(
    alice, conv, tmp_path
):
    cases = [
        ({"cc": "boss@customer.test, not-an-address"}, "not an email address"),
        ({"bcc": ["x@@y"]}, "not an email address"),
        ({"attachments": [pdf(size=1001)]}, "at most 1000 bytes"),
        ({"attachments": [pdf(f"{n}.pdf") for n in range(11)]}, "at most 10 files"),
        ({"attachments": [pdf(size=0)]}, "is empty"),
    ]
    for extra, words in cases:
        with pytest.raises(DomainError, match=words):
            composer.reply(alice, conv, body_text="Hello", expected_version=conv.version, **extra)
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()
    assert not Attachment.objects.exists() and not stored_files(tmp_path)


def test_a_stale_reply_keeps_no_stored_file(alice, conv, tmp_path):
    with pytest.raises(conversations.StaleVersion):
        composer.reply(
            alice, conv, body_text="Hello", expected_version=conv.version + 5, attachments=[pdf()]
        )
    assert not Attachment.objects.exists() and not stored_files(tmp_path)


def test_copies_are_refused_on_a_conversation_not_answered_by_email(alice, care):
    phone = make_conversation(care, channel=Channel.PHONE)
    with pytest.raises(DomainError, match="email replies"):
        composer.reply(alice, phone, body_text="Hi", expected_version=phone.version, cc="a@b.test")


def test_leave_out_my_signature(alice, conv):
    alice.signature = "Alice, Care team"
    alice.save()
    signed = composer.reply(alice, conv, body_text="One", expected_version=conv.version)
    conv.refresh_from_db()
    plain = composer.reply(alice, conv, body_text="Two", expected_version=conv.version, sign=False)
    assert "Alice, Care team" in signed.body_text
    assert "Alice, Care team" not in plain.body_text


def test_attachment_file_names_lose_paths_and_control_characters():
    [upload] = composer.check_uploads([pdf("../../etc/pass\x00wd")])
    assert upload.filename == "passwd"


# --- Notes and @mentions ------------------------------------------------------------------


def test_a_note_mentioning_a_colleague_notifies_them_and_records_it(alice, lena, conv, commit):
    with commit():
        note = composer.add_note(
            alice, conv, body_text="@lena can you approve a refund? cc @alice", attachments=[pdf()]
        )
    [notice] = Notification.objects.filter(user=lena)
    assert "alice" in notice.title.lower() and conv.reference in notice.title
    assert notice.url.endswith(f"/desk/c/{conv.pk}/#m{note.pk}")
    assert not Notification.objects.filter(user=alice).exists()  # not told of oneself
    assert note.attachments.count() == 1
    assert Activity.objects.filter(conversation=conv, verb="mentioned").exists()


def test_mentioning_someone_who_cannot_see_the_team_or_nobody_is_refused(alice, bob, conv):
    for body, words in [
        ("ask @bob", "cannot see conversations of Care"),
        ("ask @nobody", "nobody is called @nobody"),
    ]:
        with pytest.raises(DomainError, match=words):
            composer.add_note(alice, conv, body_text=body)
    assert not Message.objects.filter(kind=MessageKind.NOTE).exists()
    assert not Notification.objects.exists()


def test_managers_can_be_mentioned_service_accounts_and_addresses_cannot(alice, maria, conv):
    make_person("robot", [Role.SERVICE])
    assert mentions.find_mentions("mail ama@example.org and @Maria, then @maria.") == ["maria"]
    assert mentions.resolve(conv, "@maria") == [maria]
    with pytest.raises(DomainError):
        mentions.resolve(conv, "@robot")


def test_the_autocomplete_offers_people_who_can_see_the_conversation(alice, lena, bob, conv):
    names = [p.username for p in mentions.suggest(conv, "")]
    assert "lena" in names and "alice" in names and "bob" not in names
    assert [p.username for p in mentions.suggest(conv, "le")] == ["lena"]


# --- Forwarding ---------------------------------------------------------------------------


def test_forwarding_sends_the_message_with_its_files_and_records_it(alice, conv, commit):
    message = composer.reply(
        alice, conv, body_text="The invoice", expected_version=conv.version, attachments=[pdf()]
    )
    mail.outbox.clear()
    with commit():
        composer.forward(alice, message, to="supplier@vendor.test", note="Please check")
    [email] = mail.outbox
    assert email.to == ["supplier@vendor.test"] and email.subject.startswith("Fwd:")
    assert "Please check" in email.body and "The invoice" in email.body
    assert [a[0] for a in email.attachments] == ["invoice.pdf"]
    activity = Activity.objects.get(conversation=conv, verb="forwarded")
    assert "supplier@vendor.test" in conversations.describe(activity)
    assert AuditEntry.objects.filter(action="conversation.forwarded").exists()


def test_notes_are_not_forwarded_and_bad_addresses_are_refused(alice, conv):
    note = composer.add_note(alice, conv, body_text="internal")
    with pytest.raises(DomainError, match="stay internal"):
        composer.forward(alice, note, to="x@y.test")
    customer = conv.messages.get(kind=MessageKind.CUSTOMER)
    for to in ("", "not an address"):
        with pytest.raises(DomainError):
            composer.forward(alice, customer, to=to)
    assert not Activity.objects.filter(verb="forwarded").exists()


# --- The conversation page ----------------------------------------------------------------


def test_the_page_sends_a_reply_with_a_file_and_cc(client_as, alice, conv, commit):
    client = client_as(alice)
    with commit():
        response = client.post(
            f"/desk/c/{conv.pk}/messages/",
            {
                "kind": "reply",
                "body_text": "Attached",
                "expected_version": conv.version,
                "cc": "boss@customer.test",
                "no_signature": "on",
                "attachments": [SimpleUploadedFile("a.txt", b"hello", "text/plain")],
            },
        )
    assert response.status_code == 302
    message = Message.objects.get(kind=MessageKind.REPLY)
    assert message.cc == ["boss@customer.test"] and message.attachments.count() == 1
    page = client.get(f"/desk/c/{conv.pk}/").content.decode()
    assert "CC: boss@customer.test" in page and "a.txt" in page
    assert "Leave out my signature" in page and 'name="attachments"' in page


def test_the_page_refuses_a_bad_cc_or_a_big_file_with_the_draft_kept(client_as, alice, conv):
    client = client_as(alice)
    for extra, words in [
        ({"cc": "nope"}, "is not an email address"),
        ({"attachments": [SimpleUploadedFile("b.bin", b"x" * 1001)]}, "at most"),
    ]:
        response = client.post(
            f"/desk/c/{conv.pk}/messages/",
            {"kind": "reply", "body_text": "Keep me", "expected_version": conv.version, **extra},
        )
        html = response.content.decode()
        assert response.status_code == 400 and words in html and "Keep me" in html
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()


def test_the_page_refuses_an_unknown_mention(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/messages/",
        {"kind": "note", "body_text": "@ghost look", "expected_version": conv.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "nobody is called @ghost" in response.content.decode()


def test_the_page_forwards_and_offers_mentions(client_as, alice, lena, bob, conv):
    client = client_as(alice)
    customer = conv.messages.get(kind=MessageKind.CUSTOMER)
    response = client.post(f"/desk/messages/{customer.pk}/forward/", {"to": "x@vendor.test"})
    assert response.status_code == 302
    assert client.post(f"/desk/messages/{customer.pk}/forward/", {"to": "bad"}).status_code == 400
    found = client.get(f"/desk/c/{conv.pk}/mentionable/?q=le").json()["results"]
    assert [p["username"] for p in found] == ["lena"]
    assert client_as(bob).get(f"/desk/c/{conv.pk}/mentionable/").status_code == 404


# --- The API ------------------------------------------------------------------------------


def test_the_api_takes_a_multipart_reply_with_copies_and_no_signature(api, alice, conv):
    alice.signature = "Alice"
    alice.save()
    response = api(alice).post(
        f"/api/conversations/{conv.pk}/reply/",
        {
            "body_text": "Files attached",
            "expected_version": conv.version,
            "cc": ["boss@customer.test"],
            "bcc": ["audit@example.org"],
            "sign": "false",
            "attachments": [SimpleUploadedFile("a.txt", b"hi"), SimpleUploadedFile("b.txt", b"yo")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cc"] == ["boss@customer.test"] and body["bcc"] == ["audit@example.org"]
    assert sorted(a["filename"] for a in body["attachments"]) == ["a.txt", "b.txt"]
    assert not body["body_text"].rstrip().endswith("Alice")


def test_the_api_refuses_bad_input_and_writes_nothing(api, alice, conv):
    client = api(alice)
    url = f"/api/conversations/{conv.pk}/"
    big = SimpleUploadedFile("c", b"x" * 2000)
    bad = [
        ("reply/", {"body_text": "x", "cc": ["nope"]}, "json"),
        ("reply/", {"body_text": "x", "cc": "boss@customer.test"}, "json"),
        ("reply/", {"body_text": "x", "attachments": [big]}, "multipart"),
        ("note/", {"body_text": "@ghost hi"}, "json"),
    ]
    for path, data, fmt in bad:
        response = client.post(url + path, data, format=fmt)
        assert response.status_code == 400, (path, data, response.content)
    assert conv.messages.count() == 1


def test_the_api_forwards_and_lists_mentionable_people(api, alice, lena, conv):
    customer = conv.messages.get(kind=MessageKind.CUSTOMER)
    response = api(alice).post(
        f"/api/messages/{customer.pk}/forward/", {"to": ["x@vendor.test"]}, format="json"
    )
    assert response.status_code == 202 and response.json()["to"] == ["x@vendor.test"]
    people = api(alice).get(f"/api/conversations/{conv.pk}/mentionable/?q=lena").json()
    assert [p["username"] for p in people] == ["lena"]


def test_the_customers_own_page_never_shows_bcc(client, alice, conv):
    from django.utils import timezone

    from servewell.desk import customer_links

    composer.reply(
        alice,
        conv,
        body_text="Answer",
        expected_version=conv.version,
        cc="boss@customer.test",
        bcc="secret-audit@example.org",
    )
    url = customer_links.page_url(conv, now=timezone.now())
    html = client.get(url[url.index("/", 8) :] if "://" in url else url).content.decode()
    assert "Answer" in html and "secret-audit@example.org" not in html
