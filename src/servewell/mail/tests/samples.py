"""Real RFC 5322 samples, built with the standard email package as mail clients would."""

from __future__ import annotations

from datetime import UTC, datetime
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

CUSTOMER = "Jo Doe <jo@example.com>"
CARE = "care@example.org"

IMAP_USER, IMAP_PASSWORD = "care@example.org", "s3cret-imap"  # the test IMAP account


def _headers(
    msg: Message,
    *,
    subject: str | Header,
    frm: str,
    to: str,
    message_id: str | None,
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime | None = None,
    extra: dict[str, str] | None = None,
) -> Message:
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    if message_id is not None:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (extra or {}).items():
        msg[name] = value
    return msg


def plain(
    body: str = "Hello, my parcel has not arrived yet.\n",
    *,
    subject: str | Header = "Where is my parcel?",
    frm: str = CUSTOMER,
    to: str = CARE,
    message_id: str | None = "",
    charset: str = "utf-8",
    **kwargs,
) -> bytes:
    """A text/plain email. ``message_id=""`` makes a fresh one; ``None`` leaves it out."""
    msg = MIMEText(body, "plain", charset)
    if message_id == "":
        message_id = make_msgid(domain="example.com")
    return _headers(
        msg, subject=subject, frm=frm, to=to, message_id=message_id, **kwargs
    ).as_bytes()


def alternative(
    text: str = "Hello in text",
    html: str = "<p>Hello in <b>HTML</b></p>",
    *,
    charset: str = "utf-8",
    subject: str | Header = "Two bodies",
    frm: str = CUSTOMER,
    to: str = CARE,
    message_id: str | None = "",
    attachments: list[tuple[str, str, bytes]] = (),
    **kwargs,
) -> bytes:
    """multipart/mixed( multipart/alternative(text, html), attachments… ) — or just the
    alternative when there are no attachments."""
    alt = MIMEMultipart("alternative")
    alt.attach(MIMEText(text, "plain", charset))
    alt.attach(MIMEText(html, "html", charset))
    msg: Message = alt
    if attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(alt)
        for filename, ctype, payload in attachments:
            part = MIMEApplication(payload, ctype.split("/", 1)[1])
            part.replace_header("Content-Type", ctype)
            part.add_header("Content-Disposition", "attachment", filename=filename)
            msg.attach(part)
    if message_id == "":
        message_id = make_msgid(domain="example.com")
    return _headers(
        msg, subject=subject, frm=frm, to=to, message_id=message_id, **kwargs
    ).as_bytes()


def bounce(original: bytes, *, recipient: str = "jo@example.com") -> bytes:
    """An RFC 3464 delivery status notification about ``original``."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report.attach(MIMEText("Delivery to the following recipient failed permanently.", "plain"))
    status = Message()
    status.set_type("message/delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.example.com"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 user unknown"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    from email import message_from_bytes

    report.attach(MIMEMessage(message_from_bytes(original)))
    return _headers(
        report,
        subject="Undelivered Mail Returned to Sender",
        frm="Mail Delivery System <MAILER-DAEMON@mx.example.com>",
        to=CARE,
        message_id=make_msgid(domain="mx.example.com"),
    ).as_bytes()


def with_inline_images(parts: list[tuple[str, str, bytes]], *, html: str) -> bytes:
    """multipart/related( html, images by Content-ID ) — a picture pasted into a mail.
    ``parts``: (content id, content type, bytes)."""
    related = MIMEMultipart("related")
    related.attach(MIMEText(html, "html", "utf-8"))
    for content_id, ctype, payload in parts:
        maintype, subtype = ctype.split("/", 1)
        part = MIMEBase(maintype, subtype)
        part.set_payload(payload)
        encoders.encode_base64(part)
        part.add_header("Content-ID", f"<{content_id}>")
        part.add_header("Content-Disposition", "inline", filename=f"{content_id}.{subtype}")
        related.attach(part)
    return _headers(
        related, subject="Photo of the lid", frm=CUSTOMER, to=CARE, message_id=make_msgid()
    ).as_bytes()
