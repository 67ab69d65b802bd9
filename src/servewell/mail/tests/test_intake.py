from datetime import UTC, datetime

import hypothesis
import pytest
from hypothesis import strategies as st

from servewell.desk.models import Attachment, Conversation, Message, MessageKind, Status
from servewell.mail import intake
from servewell.mail.intake import Directory, ingest
from servewell.mail.models import InboundEmail, Mailbox
from servewell.mail.tests import samples

NOW = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def _ingest(raw, **kwargs):
    return ingest(raw, source="test", now=NOW, **kwargs)


def test_new_email_opens_a_conversation_for_the_sender(care):
    result = _ingest(samples.plain("My parcel is late.", message_id="<a1@example.com>"))
    assert result.state == "new"
    conversation = result.conversation
    assert conversation.team == care
    assert conversation.channel == "email"
    assert conversation.subject == "Where is my parcel?"
    assert conversation.contact.name == "Jo Doe"
    assert conversation.contact.emails.get().address == "jo@example.com"
    message = conversation.messages.get()
    assert message.body_text == "My parcel is late."
    assert message.email_message_id == "<a1@example.com>"
    inbound = InboundEmail.objects.get()
    assert inbound.state == InboundEmail.State.PROCESSED
    assert inbound.dedup_key.startswith("mid:<a1@example.com>#")
    assert bytes(inbound.raw).startswith(b"Content-Type")
    assert message.inbound == inbound


def test_second_delivery_of_the_same_email_creates_nothing_whatever_its_trace_headers(care):
    raw = samples.plain(message_id="<same@example.com>")
    first = _ingest(raw)
    again = _ingest(raw)
    via_another_hop = _ingest(
        b"Received: from relay.example.net by mx.example.org\r\n"
        b"Delivered-To: care@example.org\r\nReturn-Path: <jo@example.com>\r\n" + raw
    )
    assert again.state == via_another_hop.state == "duplicate"
    assert again.conversation == first.conversation
    assert Message.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_different_email_reusing_a_message_id_is_filed_and_the_reuse_noted(care):
    first = _ingest(samples.plain("My parcel is late.", message_id="<reused@example.com>"))
    other = _ingest(
        samples.plain(
            "Please cancel my order.", subject="Cancel", message_id="<reused@example.com>"
        )
    )
    assert other.state in ("new", "threaded")
    assert Message.objects.count() == 2
    assert f"#{first.inbound.pk}" in InboundEmail.objects.get(pk=other.inbound.pk).reason


def test_the_same_mails_reimported_from_an_mbox_are_duplicates(care):
    body = "From the warehouse: nothing yet.\nFrom now on I will call.\n"
    raws = [samples.plain(body, message_id=None), samples.plain("Second one.\n", message_id=None)]
    for raw in raws:
        assert _ingest(raw).state == "new"
    for raw in raws:  # as an mbox gives them back: CRLF gone, From_ line, >From quoting
        text = raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ")
        mbox_copy = b"From MAILER-DAEMON Fri Mar  1 09:30:00 2024\n" + text
        assert _ingest(mbox_copy).state == "duplicate"
    assert Message.objects.count() == 2


def test_a_reply_that_arrives_before_its_original_joins_it_when_the_original_arrives(care):
    original = samples.plain("My parcel is late.", message_id="<o1@example.com>")
    reply = samples.plain(
        "Any news?",
        subject="Re: Where is my parcel?",
        message_id="<o2@example.com>",
        in_reply_to="<o1@example.com>",
    )
    later = samples.plain(
        "Still nothing.", subject="Re: Re: Where is my parcel?", in_reply_to="<o2@example.com>"
    )
    early = _ingest(later)  # the newest first, then its parent, then the original
    middle = _ingest(reply)
    first = _ingest(original)
    live = [c for c in Conversation.objects.all() if c.merged_into_id is None]
    assert [c.pk for c in live] == [first.conversation.pk]
    assert first.conversation.messages.count() == 3
    for joined in (early.conversation, middle.conversation):
        joined.refresh_from_db()
        while joined.merged_into_id:
            joined = joined.merged_into
        assert joined == first.conversation


def test_replies_before_originals_in_one_batch_end_in_one_conversation(care):
    original = samples.plain("Order 7 is wrong.", message_id="<b1@example.com>")
    reply = samples.plain("Any news?", subject="Re: x", in_reply_to="<b1@example.com>")
    results = intake.ingest_many([reply, original], source="test", now=NOW)
    assert [r.state for r in results] == ["new", "new"]
    live = Conversation.objects.filter(merged_into__isnull=True)
    assert live.count() == 1
    assert live.get().messages.count() == 2


def test_without_message_id_the_raw_bytes_decide_what_is_a_duplicate(care):
    raw = samples.plain(message_id=None)
    assert _ingest(raw).state == "new"
    assert _ingest(raw).state == "duplicate"
    assert _ingest(samples.plain("different words", message_id=None)).state == "new"
    assert InboundEmail.objects.filter(dedup_key__startswith="sha:").count() == 2


def test_a_crash_after_storing_the_raw_bytes_is_repaired_by_the_rerun(care):
    raw = samples.plain(message_id="<crash@example.com>")
    inbound, created = intake.store_raw(raw, source="test", now=NOW)  # …and then the crash
    assert created and inbound.state == InboundEmail.State.RECEIVED
    assert Message.objects.count() == 0
    result = _ingest(raw)
    assert result.state == "new"
    assert _ingest(raw).state == "duplicate"
    assert Message.objects.filter(email_message_id="<crash@example.com>").count() == 1
    assert InboundEmail.objects.get().state == InboundEmail.State.PROCESSED


def test_reply_joins_by_in_reply_to(care):
    first = _ingest(samples.plain(message_id="<q1@example.com>"))
    reply = _ingest(
        samples.plain(
            "Any news?", subject="Re: Where is my parcel?", in_reply_to="<q1@example.com>"
        )
    )
    assert reply.state == "threaded"
    assert reply.conversation == first.conversation
    assert first.conversation.messages.count() == 2
    assert reply.message.in_reply_to == "<q1@example.com>"


def test_reply_joins_by_references_only(care):
    first = _ingest(samples.plain(message_id="<r1@example.com>"))
    reply = _ingest(
        samples.plain(subject="Re: x", references="<unknown@elsewhere> <r1@example.com>")
    )
    assert reply.conversation == first.conversation


def test_reply_to_our_outbound_message_id_joins_and_reopens(care):
    first = _ingest(samples.plain(message_id="<c1@example.com>"))
    conversation = first.conversation
    Message.objects.create(
        conversation=conversation,
        kind=MessageKind.REPLY,
        body_text="It is on its way.",
        created_at=NOW,
        email_message_id="<ours.1@example.org>",
    )
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.SOLVED)
    reply = _ingest(samples.plain("Still nothing.", in_reply_to="<ours.1@example.org>"))
    assert reply.conversation == conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_reply_joins_by_subject_token_from_the_same_customer(care):
    first = _ingest(samples.plain(message_id="<t1@example.com>"))
    token = f"[#{first.conversation.pk}]"
    reply = _ingest(samples.plain("Hello again", subject=f"Re: Where is my parcel? {token}"))
    assert reply.state == "threaded"
    assert reply.conversation == first.conversation


def test_a_stranger_with_someone_elses_token_starts_a_new_conversation(care):
    first = _ingest(samples.plain(message_id="<t2@example.com>"))
    stranger = _ingest(
        samples.plain(subject=f"Hi [#{first.conversation.pk}]", frm="mallory@evil.example")
    )
    assert stranger.state == "new"
    assert stranger.conversation != first.conversation


def test_reply_to_a_merged_conversation_lands_in_the_surviving_one(care):
    old = _ingest(samples.plain(message_id="<m1@example.com>")).conversation
    survivor = _ingest(samples.plain(message_id="<m2@example.com>")).conversation
    Conversation.objects.filter(pk=old.pk).update(merged_into=survivor)
    reply = _ingest(samples.plain(in_reply_to="<m1@example.com>"))
    assert reply.conversation == survivor


def test_new_mail_is_filed_under_the_team_whose_address_received_it(care, orders):
    result = _ingest(samples.plain(to="Orders <orders@example.org>"))
    assert result.conversation.team == orders
    cc = _ingest(samples.plain(to="someone@else.example", extra={"Cc": "ORDERS@example.org"}))
    assert cc.conversation.team == orders


def test_mailbox_address_and_default_team_route_mail(care, orders):
    Mailbox.objects.create(
        name="Returns", team=orders, host="x", username="returns@example.org", password_env="X"
    )
    routed = _ingest(samples.plain(to="returns@example.org"))
    assert routed.conversation.team == orders
    unknown = _ingest(samples.plain(to="nobody@example.org"), default_team=orders)
    assert unknown.conversation.team == orders
    first_active = _ingest(samples.plain(to="nobody@example.org"))
    assert first_active.conversation.team == care  # the first active team
    forced = _ingest(samples.plain(to="orders@example.org"), team=care)
    assert forced.conversation.team == care


def test_html_is_sanitised_before_it_is_stored(care):
    raw = samples.alternative(
        "text",
        '<p onclick="x()">Hi<script>alert(1)</script><img src="https://t.example/p.gif"></p>',
    )
    message = _ingest(raw).message
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert ' src="https://' not in message.body_html
    assert 'data-remote-src="https://t.example/p.gif"' in message.body_html


def test_html_only_mail_gets_a_text_body_for_search(care):
    from email.mime.text import MIMEText

    msg = MIMEText("<div>Hello <b>there</b></div><p>Second&nbsp;line</p>", "html")
    msg["From"] = "ana@example.com"
    msg["Subject"] = "html only"
    message = _ingest(msg.as_bytes()).message
    assert message.body_text == "Hello there\nSecond line"


def test_attachments_are_stored_and_over_the_cap_kept_out_with_a_reason(care, settings):
    settings.DESK_ATTACHMENT_MAX_BYTES = 1000
    raw = samples.alternative(
        attachments=[
            ("small.txt", "text/plain", b"small file"),
            ("huge.bin", "application/octet-stream", b"x" * 5000),
        ]
    )
    message = _ingest(raw).message
    small, huge = message.attachments.order_by("id")
    assert small.filename == "small.txt" and small.size == 10
    assert small.file.read() == b"small file"
    assert not small.rejected_reason
    assert huge.size == 5000 and not huge.file
    assert "limit" in huge.rejected_reason
    assert Message.objects.count() == 1


def test_unparseable_mail_is_quarantined_with_its_bytes(care):
    result = _ingest(b"\x00\x01 this is not mail at all")
    assert result.state == "quarantined"
    inbound = InboundEmail.objects.get()
    assert inbound.state == InboundEmail.State.QUARANTINED
    assert "header" in inbound.reason
    assert bytes(inbound.raw) == b"\x00\x01 this is not mail at all"
    assert Conversation.objects.count() == 0


def test_mail_without_a_sender_is_quarantined(care):
    result = _ingest(b"Subject: who am I?\r\nTo: care@example.org\r\n\r\nbody")
    assert result.state == "quarantined"
    assert "sender" in result.reason


def test_bounce_is_ignored_and_marks_our_reply_failed(care):
    conversation = _ingest(samples.plain(message_id="<b1@example.com>")).conversation
    reply = Message.objects.create(
        conversation=conversation,
        kind=MessageKind.REPLY,
        body_text="Answer",
        created_at=NOW,
        email_message_id="<ours.b@example.org>",
        delivery_status="sent",
    )
    bounced = samples.plain(frm="care@example.org", message_id="<ours.b@example.org>")
    result = _ingest(samples.bounce(bounced))
    assert result.state == "ignored"
    assert "Bounce" in result.reason
    reply.refresh_from_db()
    assert reply.delivery_status == "failed"
    assert "5.1.1" in reply.delivery_error
    assert conversation.messages.count() == 2


def test_auto_reply_is_ignored_but_kept(care):
    raw = samples.plain(subject="Out of office", extra={"Auto-Submitted": "auto-replied"})
    result = _ingest(raw)
    assert result.state == "ignored"
    assert InboundEmail.objects.get().state == InboundEmail.State.IGNORED
    assert Conversation.objects.count() == 0


def test_mail_from_our_own_address_is_a_loop(care):
    result = _ingest(samples.plain(frm="Care <care@example.org>"))
    assert result.state == "ignored"
    assert "own address" in result.reason


def test_our_own_outbound_message_coming_back_is_ignored(care):
    conversation = _ingest(samples.plain()).conversation
    Message.objects.create(
        conversation=conversation,
        kind=MessageKind.REPLY,
        created_at=NOW,
        email_message_id="<ours.loop@example.org>",
    )
    result = _ingest(
        samples.plain(frm="agent@partner.example", message_id="<ours.loop@example.org>")
    )
    assert result.state == "ignored"


def test_import_dates_messages_by_their_date_header(care):
    result = _ingest(samples.plain(), use_header_date=True)
    assert result.message.created_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def test_no_active_team_quarantines_instead_of_crashing(db):
    result = _ingest(samples.plain())
    assert result.state == "quarantined"
    assert "team" in result.reason


@pytest.mark.parametrize("charset", ["iso-8859-1", "koi8-r", "shift_jis"])
def test_bodies_in_other_charsets_are_stored_as_text(care, charset):
    text = {"iso-8859-1": "Grüße", "koi8-r": "Привет", "shift_jis": "こんにちは"}[charset]
    message = _ingest(samples.plain(text, charset=charset)).message
    assert message.body_text == text


def test_directory_knows_our_own_addresses(care, orders):
    directory = Directory.load()
    assert {"care@example.org", "orders@example.org"} <= directory.own_addresses
    assert Attachment.objects.count() == 0


def test_a_received_row_nobody_redelivers_is_filed_by_the_sweep(care):
    from datetime import timedelta

    from servewell.mail import jobs

    raw = samples.plain(message_id="<sweep@example.com>")
    intake.store_raw(raw, source="test", now=NOW - timedelta(hours=1))  # then a crash
    jobs.file_stale_received_mail.call_local()
    assert InboundEmail.objects.get().state == InboundEmail.State.PROCESSED
    assert Message.objects.filter(email_message_id="<sweep@example.com>").count() == 1


@hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(st.binary(max_size=2000))
def test_any_bytes_are_kept_and_answered_never_a_crash(care, raw):
    if not raw.strip():
        raw = b" " + raw + b"x"
    result = _ingest(raw)
    assert result.state in {"new", "threaded", "duplicate", "quarantined", "ignored"}
    assert InboundEmail.objects.filter(pk=result.inbound.pk).exists()
