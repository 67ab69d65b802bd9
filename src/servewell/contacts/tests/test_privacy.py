"""Data-subject requests: a contact's data exported, a contact erased for good."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from servewell.commitments.acknowledge import send_acknowledgement
from servewell.contacts import contacts, privacy
from servewell.contacts.models import Contact, ContactEmail
from servewell.core import notifications
from servewell.core.errors import DomainError
from servewell.core.models import AuditEntry, FailedJob
from servewell.desk import conversations, search
from servewell.desk.models import (
    Activity,
    Attachment,
    AutoReplyLog,
    Conversation,
    Message,
    MessageKind,
    Status,
)
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.desk.webform import send_request_receipt
from servewell.livequeue import feed
from servewell.livequeue.models import Call, CallEvent, PendingEvent
from servewell.mail.intake import State, ingest
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples

RUTH = "Ruth Zebedee <ruth.zebedee@example.com>"
ADDRESS = "ruth.zebedee@example.com"
INVOICE = b"%PDF-1.4 the invoice of Ruth"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _mail(**kwargs):
    kwargs.setdefault("frm", RUTH)
    kwargs.setdefault("subject", "Kettle lid cracked")
    return samples.alternative(
        text="The lid of my kettle cracked, see the quixotically named invoice.",
        html="<p>The lid of my kettle cracked, see the <b>quixotically</b> named invoice.</p>",
        attachments=[("invoice.pdf", "application/pdf", INVOICE)],
        **kwargs,
    )


@pytest.fixture
def ruth_mail(care):
    """Ruth's email as it arrived (raw bytes), filed with an attachment, then answered
    by alice, discussed in a note and followed by a call."""
    raw = _mail()
    result = ingest(raw, source="test")
    assert result.state == State.NEW
    return raw, result


@pytest.fixture
def ruth(ruth_mail, alice):
    _raw, result = ruth_mail
    conversation = result.conversation
    conversations.reply(
        alice,
        conversation,
        body_text="Dear Ruth, a new lid is on its way.",
        expected_version=None,
        deliver=False,
    )
    conversations.add_note(alice, conversation, body_text="Ruth sounded upset; VIP.")
    contacts.add_phone(alice, result.message.contact, "+44 7700 900123")
    return Contact.objects.get(pk=result.message.contact_id)


def _erase(actor, contact, commit, confirm=ADDRESS):
    with commit():
        return privacy.erase_contact(actor, contact, confirm=confirm)


# --- Export ------------------------------------------------------------------------------


def test_export_holds_the_contacts_conversations_and_not_other_contacts(ruth, adam, care):
    other = make_conversation(care, contact=make_contact("Sam Other"), body="Sam's own words.")
    document = privacy.export_contact(adam, ruth)

    assert document["contact"]["name"] == "Ruth Zebedee"
    assert document["contact"]["emails"] == [{"address": ADDRESS, "primary": True}]
    assert document["contact"]["phones"] == ["+447700900123"]
    [conversation] = document["conversations"]
    assert conversation["id"] != other.pk
    assert conversation["subject"] == "Kettle lid cracked"
    kinds = [m["kind"] for m in conversation["messages"]]
    assert kinds == [MessageKind.CUSTOMER, MessageKind.REPLY]  # the note is staff work
    assert "quixotically" in conversation["messages"][0]["body_text"]
    assert conversation["messages"][1]["sender"] == "Care"  # the team, not the agent
    [attachment] = conversation["messages"][0]["attachments"]
    assert attachment["filename"] == "invoice.pdf" and attachment["stored"]
    text = json.dumps(document)
    assert "Sam" not in text and "VIP" not in text and "alice" not in text


def test_export_shows_only_their_own_messages_in_someone_elses_conversation(care, adam):
    ruth = make_contact("Ruth Zebedee", ADDRESS)
    sams = make_conversation(care, contact=make_contact("Sam Other"), subject="Sam's order")
    conversations.add_customer_message(
        sams, contact=ruth, body_text="Ruth chiming in.", now=timezone.now()
    )
    document = privacy.export_contact(adam, ruth)
    [conversation] = document["conversations"]
    assert conversation["role"] == "participant" and conversation["subject"] == ""
    assert [m["body_text"] for m in conversation["messages"]] == ["Ruth chiming in."]


def test_an_export_is_audited_without_personal_data(ruth, adam):
    privacy.export_contact(adam, ruth)
    entry = AuditEntry.objects.get(action="contact.exported")
    assert entry.actor == adam and entry.object_id == str(ruth.pk)
    assert entry.object_label == f"Contact #{ruth.pk}"
    assert entry.after["conversations"] == 1 and entry.after["attachments"] == 1
    assert "Ruth" not in json.dumps([entry.object_label, entry.before, entry.after])


def test_export_queries_do_not_grow_with_the_history(care, adam, django_assert_max_num_queries):
    ruth = make_contact("Ruth Zebedee", ADDRESS)
    for n in range(8):
        conversation = make_conversation(care, contact=ruth, subject=f"Question {n}")
        conversations.reply(
            adam, conversation, body_text="Answer", expected_version=None, deliver=False
        )
    with django_assert_max_num_queries(16):
        document = privacy.export_contact(adam, ruth)
    assert len(document["conversations"]) == 8


def test_the_zip_export_carries_the_attachment_files(ruth, adam):
    out = io.BytesIO()
    privacy.write_export_zip(adam, ruth, out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    document = json.loads(archive.read("contact.json"))
    [attachment] = document["conversations"][0]["messages"][0]["attachments"]
    assert archive.read(attachment["file"]) == INVOICE


# --- Erasure -----------------------------------------------------------------------------


def test_erasure_anonymises_the_contact_and_their_conversations(ruth, ruth_mail, adam, commit):
    _raw, result = ruth_mail
    conversation = Conversation.objects.get(pk=result.conversation.pk)
    attachment = Attachment.objects.get(message=result.message)
    stored = attachment.file.name
    assert default_storage.exists(stored)
    counted = Conversation.objects.count()

    _erase(adam, ruth, commit)

    ruth.refresh_from_db()
    assert ruth.name == f"Erased contact #{ruth.pk}"
    assert (ruth.organisation, ruth.notes) == ("", "")
    assert not ruth.emails.exists() and not ruth.phones.exists()
    after = Conversation.objects.get(pk=conversation.pk)
    assert after.subject == privacy.ERASED
    assert (after.status, after.team_id, after.created_at, after.first_response_at) == (
        conversation.status,
        conversation.team_id,
        conversation.created_at,
        conversation.first_response_at,
    )
    assert Conversation.objects.count() == counted
    messages = Message.objects.filter(conversation=conversation)
    assert messages.count() == 3  # customer, reply, note: rows kept for the figures
    assert {(m.body_text, m.body_html) for m in messages} == {(privacy.ERASED, "")}
    assert not messages.exclude(email_message_id="").exists()
    attachment.refresh_from_db()
    assert not attachment.file and attachment.filename == privacy.ERASED
    assert attachment.rejected_reason == privacy.ERASED_FILE_REASON
    assert not default_storage.exists(stored)
    inbound = InboundEmail.objects.get(pk=result.inbound.pk)
    assert bytes(inbound.raw) == b""
    assert inbound.dedup_key == result.inbound.dedup_key


def test_search_no_longer_finds_their_name_or_words(ruth, adam, commit):
    assert search.search(adam, "Zebedee") and search.search(adam, "quixotically")
    _erase(adam, ruth, commit)
    assert search.search(adam, "Zebedee") == []
    assert search.search(adam, "quixotically") == []
    assert search.search(adam, "kettle") == []


def test_erasure_is_audited_and_published_without_personal_data(ruth, adam, commit, published):
    _erase(adam, ruth, commit)
    entry = AuditEntry.objects.get(action="contact.erased")
    assert entry.actor == adam and entry.object_label == f"Contact #{ruth.pk}"
    assert entry.after["conversations"] == 1 and entry.after["messages"] == 3
    [payload] = [p for name, p in published if name == "contact.erased"]
    assert payload["contact"] == ruth.pk
    text = json.dumps([entry.object_label, entry.before, entry.after, payload]).lower()
    assert "ruth" not in text and "zebedee" not in text and "kettle" not in text


def test_a_wrong_confirmation_is_refused_and_changes_nothing(ruth, adam):
    for wrong in ("", "ERASE", "someone@example.com"):
        with pytest.raises(DomainError) as refused:
            privacy.erase_contact(adam, ruth, confirm=wrong)
        assert refused.value.field == "confirm" and ADDRESS in refused.value.message
    ruth.refresh_from_db()
    assert ruth.name == "Ruth Zebedee" and ruth.emails.exists()
    assert not Message.objects.filter(body_text=privacy.ERASED).exists()
    assert not AuditEntry.objects.filter(action="contact.erased").exists()


def test_the_confirmation_ignores_case_and_spaces(ruth, adam, commit):
    _erase(adam, ruth, commit, confirm=f"  {ADDRESS.upper()} ")
    ruth.refresh_from_db()
    assert ruth.name.startswith("Erased contact")


def test_a_contact_without_an_address_is_confirmed_with_the_word_erase(care, adam, commit):
    caller = contacts.contact_for_phone("+44 7700 900555", "Phil Caller")
    make_conversation(care, contact=caller, subject="Phone order")
    assert privacy.confirmation_word(caller) == "ERASE"
    _erase(adam, caller, commit, confirm="erase")
    caller.refresh_from_db()
    assert caller.name == f"Erased contact #{caller.pk}" and not caller.phones.exists()


def test_the_same_email_delivered_again_stays_a_duplicate(ruth, ruth_mail, adam, commit):
    raw, result = ruth_mail
    _erase(adam, ruth, commit)
    contacts_before, messages_before = Contact.objects.count(), Message.objects.count()

    again = ingest(raw, source="test")

    assert again.state == State.DUPLICATE
    assert Contact.objects.count() == contacts_before
    assert Message.objects.count() == messages_before
    assert not ContactEmail.objects.filter(address=ADDRESS).exists()
    assert bytes(InboundEmail.objects.get(pk=result.inbound.pk).raw) == b""


def test_new_mail_after_erasure_starts_afresh(ruth, ruth_mail, adam, commit):
    _raw, result = ruth_mail
    first_id = result.message.email_message_id
    _erase(adam, ruth, commit)
    later = ingest(_mail(in_reply_to=first_id, references=first_id), source="test")
    assert later.state == State.NEW  # not threaded into the erased conversation
    assert later.conversation.pk != result.conversation.pk
    assert later.message.contact_id != ruth.pk


def test_mail_queued_before_the_erasure_is_not_sent_after_it(
    ruth, ruth_mail, adam, commit, mailoutbox
):
    """An acknowledgement or receipt waits in the job queue with the address; once the
    customer is erased it must not reach them."""
    conversation = ruth_mail[1].conversation
    mailoutbox.clear()
    send_acknowledgement.call_local(conversation.pk, ADDRESS)
    assert [m.to for m in mailoutbox] == [[ADDRESS]]  # still on file: it goes out
    mailoutbox.clear()

    _erase(adam, ruth, commit)
    send_acknowledgement.call_local(conversation.pk, ADDRESS)
    send_request_receipt.call_local(conversation.pk, ADDRESS)

    assert mailoutbox == []


def test_records_merged_into_the_contact_are_erased_too(care, adam, commit):
    old = make_contact("Ruth Z.", "ruth.old@example.com")
    make_conversation(care, contact=old, subject="Old address question")
    ruth = make_contact("Ruth Zebedee", ADDRESS)
    contacts.merge_contacts(adam, old, ruth)
    assert privacy.confirmation_word(ruth) == "ruth.old@example.com"  # the oldest stays primary
    _erase(adam, ruth, commit, confirm="ruth.old@example.com")
    old.refresh_from_db()
    assert old.name == f"Erased contact #{old.pk}"
    assert not ContactEmail.objects.filter(address="ruth.old@example.com").exists()
    assert not Conversation.objects.filter(subject="Old address question").exists()


def test_a_merged_record_is_not_erased_on_its_own(care, adam):
    old = make_contact("Ruth Z.", "ruth.old@example.com")
    ruth = make_contact("Ruth Zebedee", ADDRESS)
    contacts.merge_contacts(adam, old, ruth)
    with pytest.raises(DomainError, match=f"#{ruth.pk}"):
        privacy.erase_contact(adam, old, confirm="ERASE")


def test_their_messages_in_someone_elses_conversation_are_erased_and_the_rest_stays(
    care, adam, commit
):
    ruth = make_contact("Ruth Zebedee", ADDRESS)
    sams = make_conversation(care, contact=make_contact("Sam Other"), subject="Sam's order")
    conversations.add_customer_message(
        sams, contact=ruth, body_text="Ruth chiming in.", now=timezone.now()
    )
    _erase(adam, ruth, commit)
    sams.refresh_from_db()
    assert sams.subject == "Sam's order"
    bodies = set(Message.objects.filter(conversation=sams).values_list("body_text", flat=True))
    assert privacy.ERASED in bodies and "Ruth chiming in." not in bodies
    assert any("kettle" in b for b in bodies)  # Sam's own first message


def test_copies_elsewhere_are_cleaned(ruth, ruth_mail, adam, care, commit):
    _raw, result = ruth_mail
    conversation = result.conversation
    now = timezone.now()
    conversations.record_activity(
        conversation, "acknowledged", to=ADDRESS, subject="We have your request"
    )
    AutoReplyLog.objects.create(address=ADDRESS, sent_at=now)
    notifications.notify(
        [adam],
        "#1 missed its target",
        body="“Kettle lid cracked” was due",
        url=f"/desk/c/{conversation.pk}/",
        email=False,
    )
    job = FailedJob.objects.create(
        task_name="send_acknowledgement", args=[conversation.pk, ADDRESS], error="x", failed_at=now
    )
    feed.record_event("joined", call_id="c-1", team=care, at=now, caller="07700 900123", now=now)
    waiting = PendingEvent.objects.create(
        payload={"event": "joined", "call_id": "c-2", "team": care.pk, "caller": "+447700900123"},
        received_at=now,
    )
    bounce = ingest(samples.bounce(_mail(), recipient=ADDRESS), source="test")
    assert bounce.state == State.IGNORED

    _erase(adam, ruth, commit)

    data = Activity.objects.get(conversation=conversation, verb="acknowledged").data
    assert data["to"] == privacy.ERASED and data["subject"] == privacy.ERASED
    assert not AutoReplyLog.objects.filter(address=ADDRESS).exists()
    assert "Kettle" not in adam.notifications.get().body
    job.refresh_from_db()
    assert ADDRESS not in json.dumps(job.args) and job.discarded_at is not None
    assert Call.objects.get(call_id="c-1").caller == ""
    assert CallEvent.objects.get(call_id="c-1").raw["caller"] == ""
    waiting.refresh_from_db()
    assert waiting.payload["caller"] == "" and waiting.payload["call_id"] == "c-2"
    ignored = InboundEmail.objects.get(pk=bounce.inbound.pk)
    assert bytes(ignored.raw) == b"" and ADDRESS not in ignored.reason


def test_contact_audit_entries_record_which_fields_changed_not_the_values(ruth, alice):
    contacts.update_contact(alice, ruth, name="Ruth Q. Zebedee", organisation="Zebedee Ltd")
    entry = AuditEntry.objects.filter(action="contact.updated").get()
    assert entry.after == {"changed": ["name", "organisation"]} and entry.before is None
    assert entry.object_label == f"Contact #{ruth.pk}"
    phone = AuditEntry.objects.get(action="contact.phone_added")
    assert "7700" not in json.dumps([phone.object_label, phone.after])


# --- Screens -----------------------------------------------------------------------------


def test_the_contact_page_offers_privacy_to_admins_and_managers_only(
    ruth, client_as, adam, maria, alice, lena
):
    url = f"/desk/contacts/{ruth.pk}/"
    for person in (adam, maria):
        page = client_as(person).get(url).content.decode()
        assert "Download data (JSON)" in page and "Erase this contact" in page
    for person in (alice, lena):
        page = client_as(person).get(url).content.decode()
        assert "Download data" not in page and "Erase this contact" not in page


@pytest.mark.parametrize("path", ["export/", "export/?files=1", "erase/"])
def test_agents_and_leads_may_not_export_or_erase(ruth, client_as, alice, lena, quinn, path):
    for person in (alice, lena, quinn):
        assert client_as(person).get(f"/desk/contacts/{ruth.pk}/{path}").status_code == 403
    response = client_as(alice).post(f"/desk/contacts/{ruth.pk}/erase/", {"confirm": ADDRESS})
    assert response.status_code == 403
    ruth.refresh_from_db()
    assert ruth.name == "Ruth Zebedee"


def test_an_admin_downloads_the_json(ruth, client_as, adam):
    response = client_as(adam).get(f"/desk/contacts/{ruth.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="contact-{ruth.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content)["contact"]["id"] == ruth.pk


def test_a_manager_downloads_the_zip(ruth, client_as, maria):
    response = client_as(maria).get(f"/desk/contacts/{ruth.pk}/export/?files=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "contact.json" in archive.namelist()
    assert INVOICE in [archive.read(n) for n in archive.namelist()]


def test_the_erase_page_asks_for_the_address_and_refuses_a_wrong_one(ruth, client_as, adam):
    client = client_as(adam)
    page = client.get(f"/desk/contacts/{ruth.pk}/erase/").content.decode()
    assert ADDRESS in page and "cannot be undone" in page
    refused = client.post(f"/desk/contacts/{ruth.pk}/erase/", {"confirm": "ERASE"})
    assert refused.status_code == 400
    assert "type ruth.zebedee@example.com exactly" in refused.content.decode()
    ruth.refresh_from_db()
    assert ruth.name == "Ruth Zebedee"


def test_an_admin_erases_from_the_page(ruth, ruth_mail, client_as, adam, commit):
    with commit():
        response = client_as(adam).post(f"/desk/contacts/{ruth.pk}/erase/", {"confirm": ADDRESS})
    assert response.status_code == 302 and response["Location"] == f"/desk/contacts/{ruth.pk}/"
    page = client_as(adam).get(response["Location"]).content.decode()
    assert f"Erased contact #{ruth.pk}" in page and "Zebedee" not in page
    thread = client_as(adam).get(f"/desk/c/{ruth_mail[1].conversation.pk}/")
    assert thread.status_code == 200
    text = thread.content.decode()
    assert privacy.ERASED in text and "quixotically" not in text and "invoice.pdf" not in text


# --- API ---------------------------------------------------------------------------------


def test_api_export_for_admins_and_managers_only(ruth, api, adam, maria, alice, lena, quinn):
    url = f"/api/contacts/{ruth.pk}/export/"
    for person in (alice, lena, quinn):
        assert api(person).get(url).status_code == 403
    for person in (adam, maria):
        response = api(person).get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["format"] == privacy.EXPORT_FORMAT
        assert [c["subject"] for c in body["conversations"]] == ["Kettle lid cracked"]
    assert api(adam).get("/api/contacts/999999/export/").status_code == 404


def test_api_erase_refuses_a_wrong_confirmation_with_400(ruth, api, adam):
    url = f"/api/contacts/{ruth.pk}/erase/"
    response = api(adam).post(url, {"confirm": "nope"}, format="json")
    assert response.status_code == 400
    assert ADDRESS in response.json()["confirm"][0]
    assert api(adam).post(url, {}, format="json").status_code == 400
    ruth.refresh_from_db()
    assert ruth.name == "Ruth Zebedee"


def test_api_erase_for_admins_and_managers_only(ruth, api, alice, maria, commit):
    url = f"/api/contacts/{ruth.pk}/erase/"
    assert api(alice).post(url, {"confirm": ADDRESS}, format="json").status_code == 403
    with commit():
        response = api(maria).post(url, {"confirm": ADDRESS}, format="json")
    assert response.status_code == 200
    assert response.json()["contact"] == ruth.pk
    assert response.json()["counts"]["messages"] == 3
    assert Conversation.objects.filter(contact=ruth, status=Status.PENDING).exists()


def test_openapi_documents_export_and_erase(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert "get" in schema["paths"]["/api/contacts/{id}/export/"]
    assert "post" in schema["paths"]["/api/contacts/{id}/erase/"]
