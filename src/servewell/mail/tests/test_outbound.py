from datetime import UTC, datetime

from django.utils import timezone

from servewell.desk import conversations
from servewell.desk.models import Message, MessageKind
from servewell.mail import outbound
from servewell.mail.intake import ingest
from servewell.mail.tests import samples
from tests.support.mail import free_port

NOW = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def _reply(conversation, body="We are on it.", **kwargs):
    message = Message.objects.create(
        conversation=conversation,
        kind=MessageKind.REPLY,
        body_text=body,
        created_at=timezone.now(),
        **kwargs,
    )
    outbound.queue_reply(message)
    message.refresh_from_db()
    return message


def test_reply_arrives_at_the_customer_with_threading_headers(
    care, alice, smtp_sink, django_capture_on_commit_callbacks
):
    first = ingest(samples.plain(message_id="<c1@example.com>"), source="t", now=NOW)
    conversation = first.conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversations.reply(
            alice,
            conversation,
            body_text="Your parcel left our warehouse today.",
            expected_version=conversation.version,
        )
    [received] = smtp_sink.wait_for(1)
    reply.refresh_from_db()
    assert reply.delivery_status == "sent", reply.delivery_error
    assert received.rcpt_tos == ["jo@example.com"]
    assert received["Message-ID"] == reply.email_message_id
    assert reply.email_message_id.endswith("@example.org>")
    assert received["In-Reply-To"] == "<c1@example.com>"
    assert received["References"] == "<c1@example.com>"
    assert received["Auto-Submitted"] == "no"
    assert received["From"] == "Care <care@example.org>"
    assert received["Subject"] == f"Re: Where is my parcel? [#{conversation.pk}]"
    assert "left our warehouse" in received.message.get_content()


def test_the_customers_answer_to_our_reply_threads_back(
    care, smtp_sink, django_capture_on_commit_callbacks
):
    conversation = ingest(samples.plain(message_id="<c2@example.com>"), source="t").conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = _reply(conversation)
    [received] = smtp_sink.wait_for(1)
    answer = samples.plain(
        "Thanks!",
        subject=received["Subject"],
        in_reply_to=received["Message-ID"],
        references=f"{received['References']} {received['Message-ID']}",
    )
    result = ingest(answer, source="t")
    assert result.state == "threaded"
    assert result.conversation == conversation
    assert reply.email_message_id in result.message.references


def test_later_replies_chain_references_and_answer_the_latest_customer_message(
    care, smtp_sink, django_capture_on_commit_callbacks
):
    conversation = ingest(samples.plain(message_id="<d1@example.com>"), source="t").conversation
    with django_capture_on_commit_callbacks(execute=True):
        first = _reply(conversation)
    ingest(
        samples.plain("More", message_id="<d2@example.com>", in_reply_to=first.email_message_id),
        source="t",
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = _reply(conversation, "Second answer")
    received = smtp_sink.wait_for(2)[1]
    assert received["In-Reply-To"] == "<d2@example.com>"
    assert received["References"].split() == [
        "<d1@example.com>",
        first.email_message_id,
        "<d2@example.com>",
    ]
    assert second.delivery_status == "queued"


def test_subject_token_and_re_are_never_doubled(care):
    conversation = ingest(
        samples.plain(subject="RE: Re: Where is it? [#77]"), source="t"
    ).conversation
    assert outbound.reply_subject(conversation) == f"Re: Where is it? [#{conversation.pk}]"


def test_reply_without_team_address_comes_from_the_default_sender(care, settings):
    care.email = ""
    care.save()
    conversation = ingest(samples.plain(to="someone@example.org"), source="t").conversation
    settings.DEFAULT_FROM_EMAIL = "Help <help@servewell.example>"
    assert outbound.sender_address(conversation) == "Help <help@servewell.example>"
    message = _reply(conversation)
    assert message.email_message_id.endswith("@servewell.example>")


def test_smtp_failure_is_recorded_on_the_reply(care, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    conversation = ingest(samples.plain(), source="t").conversation
    with django_capture_on_commit_callbacks(execute=True):
        message = _reply(conversation)
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert "Connection" in message.delivery_error or "refused" in message.delivery_error


def test_contact_without_address_fails_without_retrying(care, django_capture_on_commit_callbacks):
    conversation = ingest(samples.plain(), source="t").conversation
    conversation.contact.emails.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        message = _reply(conversation)
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert "no email address" in message.delivery_error
