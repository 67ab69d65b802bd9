import base64
import contextlib
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servewell.mail.parsing import ParseError, parse, sniff_message_id
from servewell.mail.tests import samples


def _read_everything(parsed):
    """Touch every lazy property, as intake does."""
    return (
        parsed.message_id,
        parsed.in_reply_to,
        parsed.references,
        parsed.thread_ids,
        parsed.sender,
        parsed.to,
        parsed.cc,
        parsed.recipients,
        parsed.subject,
        parsed.date,
        parsed.auto_submitted,
        parsed.precedence,
        parsed.list_id,
        parsed.is_auto_reply,
        parsed.is_automated,
        parsed.is_bounce,
        parsed.text,
        parsed.html,
        parsed.attachments,
        parsed.delivery_status,
        parsed.bounced_message_id,
    )


def test_plain_email_gives_sender_subject_ids_and_body():
    raw = samples.plain(
        "Hi,\nmy parcel is late.\n",
        message_id="<m1@example.com>",
        in_reply_to="<ours@example.org>",
        references="<root@example.org> <ours@example.org>",
    )
    parsed = parse(raw)
    assert parsed.message_id == "<m1@example.com>"
    assert parsed.in_reply_to == "<ours@example.org>"
    assert parsed.references == ["<root@example.org>", "<ours@example.org>"]
    assert parsed.thread_ids == ["<ours@example.org>", "<root@example.org>"]
    assert parsed.sender == ("Jo Doe", "jo@example.com")
    assert parsed.recipients == ["care@example.org"]
    assert parsed.subject == "Where is my parcel?"
    assert parsed.date.year == 2024
    assert parsed.text == "Hi,\nmy parcel is late.\n"
    assert parsed.html == ""
    assert parsed.attachments == []
    assert not parsed.is_bounce and not parsed.is_auto_reply


def test_alternative_with_attachment_gives_both_bodies_and_the_file():
    raw = samples.alternative(
        "Text body",
        "<p>HTML body</p>",
        attachments=[("Rechnung März.pdf", "application/pdf", b"%PDF-1.4 fake")],
    )
    parsed = parse(raw)
    assert parsed.text == "Text body"
    assert parsed.html == "<p>HTML body</p>"
    [attachment] = parsed.attachments
    assert attachment.filename == "Rechnung März.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.payload == b"%PDF-1.4 fake"


def test_nested_multiparts_are_walked_once_in_order():
    inner = MIMEMultipart("related")
    alt = MIMEMultipart("alternative")
    alt.attach(MIMEText("deep text", "plain"))
    alt.attach(MIMEText("<p>deep html</p>", "html"))
    inner.attach(alt)
    image = MIMEText("not really a png", "plain")
    image.replace_header("Content-Type", "image/png")
    image.add_header("Content-ID", "<logo@x>")
    image.add_header("Content-Disposition", "inline", filename="logo.png")
    inner.attach(image)
    outer = MIMEMultipart("mixed")
    outer.attach(inner)
    outer.attach(MIMEText("a footer from the list server", "plain"))
    outer["From"] = "a@example.com"
    outer["Subject"] = "nested"
    parsed = parse(outer.as_bytes())
    assert parsed.text == "deep text\n\na footer from the list server"
    assert parsed.html == "<p>deep html</p>"
    [logo] = parsed.attachments
    assert (logo.filename, logo.content_id, logo.inline) == ("logo.png", "logo@x", True)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-8859-1", "Grüße aus Köln, déjà vu"),
        ("koi8-r", "Здравствуйте, где мой заказ?"),
        ("shift_jis", "こんにちは、注文はどこですか"),
        ("iso-8859-15", "Prix: 10 €"),
    ],
)
def test_bodies_in_non_utf8_charsets_are_decoded(charset, text):
    raw = samples.alternative(
        text, f"<p>{text}</p>", charset=charset, subject=Header(text, charset)
    )
    parsed = parse(raw)
    assert parsed.text == text
    assert parsed.html == f"<p>{text}</p>"
    assert parsed.subject == text


def test_encoded_headers_are_decoded_and_joined():
    raw = (
        b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <Juergen@Example.DE>\r\n"
        b"To: =?utf-8?b?Q2FyZSDinaQ=?= <care@example.org>\r\n"
        b"Subject: =?utf-8?b?w6Q=?= =?utf-8?b?w7Y=?= and =?utf-8?q?caf=C3=A9?=\r\n"
        b"\r\nbody\r\n"
    )
    parsed = parse(raw)
    assert parsed.sender == ("Jürgen Müller", "juergen@example.de")
    assert parsed.to == [("Care ❤", "care@example.org")]
    assert parsed.subject == "äö and café"


def test_utf8_multibyte_character_split_across_encoded_words_survives():
    word = "ü".encode()
    raw = (
        b"From: a@example.com\nSubject: =?utf-8?b?"
        + base64.b64encode(word[:1])
        + b"?= =?utf-8?b?"
        + base64.b64encode(word[1:])
        + b"?=\n\nx"
    )
    assert parse(raw).subject == "ü"


def test_undeclared_8bit_headers_and_lying_charsets_fall_back():
    raw = (
        "From: Zoë <zoe@example.com>\nSubject: Café crème\n"
        "Content-Type: text/plain; charset=us-ascii\n\nNaïve body"
    ).encode()
    parsed = parse(raw)
    assert parsed.sender == ("Zoë", "zoe@example.com")
    assert parsed.subject == "Café crème"
    assert parsed.text == "Naïve body"
    latin = "Subject: Gr\xfc\xdfe\nFrom: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n"
    parsed = parse((latin + "K\xf6ln").encode("latin-1"))
    assert parsed.subject == "Grüße"
    assert parsed.text == "Köln"
    unknown = b"From: a@example.com\nContent-Type: text/plain; charset=x-klingon\n\nplain"
    assert parse(unknown).text == "plain"


def test_missing_message_id_is_empty_and_bare_ids_are_bracketed():
    assert parse(samples.plain(message_id=None)).message_id == ""
    assert parse(samples.plain(message_id="bare@id.example")).message_id == "<bare@id.example>"


def test_message_id_is_sniffed_from_folded_header_without_parsing():
    raw = b"Subject: x\r\nMessage-Id:\r\n <folded@example.com>\r\n\r\nMessage-ID: <body@x>\r\n"
    assert sniff_message_id(raw) == "<folded@example.com>"
    assert sniff_message_id(b"\x00\xff garbage") == ""


def test_bounce_is_recognised_with_status_and_the_bounced_message_id():
    original = samples.plain(message_id="<ours@example.org>")
    parsed = parse(samples.bounce(original))
    assert parsed.is_bounce
    assert parsed.bounced_message_id == "<ours@example.org>"
    assert parsed.delivery_status[0]["status"] == "5.1.1"
    assert parsed.delivery_status[0]["final-recipient"] == "jo@example.com"


def test_a_person_writing_from_postmaster_is_not_a_bounce():
    mail = samples.alternative(frm="Bob <postmaster@example.com>", subject="Our new office")
    assert not parse(mail).is_bounce


def test_a_mailer_daemon_letter_that_reads_like_a_failure_is_a_bounce():
    body = "This message could not be delivered to jo@example.com: user unknown.\n"
    assert parse(samples.plain(body, frm="MAILER-DAEMON@mx.example.com", subject="Hi")).is_bounce
    assert not parse(samples.plain("Hello!\n", frm="MAILER-DAEMON@mx.example.com")).is_bounce


def test_a_null_return_path_with_a_dsn_body_is_a_bounce():
    body = "Final-Recipient: rfc822; jo@example.com\nStatus: 5.1.1\n"
    mail = samples.plain(body, subject="Notice", extra={"Return-Path": "<>"})
    assert parse(mail).is_bounce


@pytest.mark.parametrize(
    "extra",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"Precedence": "auto_reply"},
        {"Auto-Submitted": "auto-generated", "Subject": "Automatic reply: Where is my parcel?"},
    ],
)
def test_auto_replies_are_recognised(extra):
    subject = extra.pop("Subject", "Out of office")
    parsed = parse(samples.plain(subject=subject, extra=extra))
    assert parsed.is_auto_reply
    assert parsed.is_automated


def test_a_person_writing_is_not_automated():
    parsed = parse(samples.plain(extra={"Auto-Submitted": "no"}))
    assert not parsed.is_auto_reply and not parsed.is_automated


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02\x03", b"\n\njust a body"])
def test_empty_and_headerless_input_is_a_parse_error(raw):
    with pytest.raises(ParseError):
        parse(raw)


def test_deeply_nested_multipart_does_not_crash():
    depth = 400
    head = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n"
    body = b"".join(
        b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1) for i in range(depth)
    )
    with contextlib.suppress(ParseError):  # an honest refusal is fine; nothing else is
        _read_everything(parse(head + body + b"--b400\n\ntext\n"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_garbage_bytes_raise_only_parse_error(raw):
    with contextlib.suppress(ParseError):
        _read_everything(parse(raw))


_header_line = st.tuples(
    st.sampled_from(
        [b"From", b"To", b"Subject", b"Message-ID", b"References", b"Content-Type", b"Date"]
        + [b"Content-Transfer-Encoding", b"Content-Disposition", b"Auto-Submitted", b"Cc"]
    ),
    st.binary(max_size=120),
).map(lambda kv: kv[0] + b": " + kv[1].replace(b"\n", b" ").replace(b"\r", b" "))
_nasty_value = st.sampled_from(
    [
        b"multipart/mixed; boundary=x",
        b"multipart/report; report-type=delivery-status; boundary=x",
        b"text/plain; charset=utf-7",
        b"text/plain; charset*=''%ff%fe",
        b"base64",
        b"attachment; filename*=utf-8''%E2%82",
        b"=?utf-8?b?////?= =?x?q?=ZZ?=",
        b"<a@b> <<<>>> <\x00@x>",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_header_line, max_size=8),
    st.lists(_nasty_value, max_size=4),
    st.binary(max_size=1500),
)
def test_mail_shaped_garbage_raises_only_parse_error(lines, nasty, body):
    names = [b"Content-Type", b"Content-Transfer-Encoding", b"Content-Disposition", b"Subject"]
    head = lines + [name + b": " + value for name, value in zip(names, nasty, strict=False)]
    raw = b"\r\n".join(head) + b"\r\n\r\n--x\r\n" + body + b"\r\n--x--\r\n"
    with contextlib.suppress(ParseError):
        _read_everything(parse(raw))


# --- mail as real mailers send it -------------------------------------------------------


def test_an_8bit_byte_inside_an_encoded_word_is_decoded_once_by_the_words_charset():
    raw = (
        b"From: =?iso-8859-1?Q?J\xf6rg?= <j@example.org>\r\n"
        b"Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr\xf6sche?=\r\n\r\nHallo\r\n"
    )
    mail = parse(raw)
    assert mail.subject == "Die Hasen und die Fr\u00f6sche"
    assert mail.from_name == "J\u00f6rg"


@pytest.mark.parametrize(
    ("raw_name", "expected"),
    [(b"Fr\xc3\xb6sche.pdf", "Fr\u00f6sche.pdf"), (b"K\xe4se.pdf", "K\u00e4se.pdf")],
)
def test_8bit_attachment_filenames_decode_like_a_subject(raw_name, expected):
    raw = (
        b"From: a@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="' + raw_name + b'"\r\n\r\n%PDF-1.4\r\n'
        b"--XX--\r\n"
    )
    assert [a.filename for a in parse(raw).attachments] == [expected]


@pytest.mark.parametrize(
    "bad_line",
    [b"quite Delivered-To: care@example.org", b"a continuation that lost its indent"],
)
def test_a_malformed_header_line_does_not_end_the_header_block(bad_line):
    raw = (
        b"Received: from mx.example.org\r\n" + bad_line + b"\r\n"
        b"From: Bob <bob@example.org>\r\nSubject: Hello\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe body\r\n"
    )
    mail = parse(raw)
    assert mail.from_address == "bob@example.org"
    assert mail.subject == "Hello"
    assert mail.text.strip() == "The body"
    assert mail.header_repairs == [bad_line.decode()]


def test_text_after_the_last_header_without_a_blank_line_stays_the_body():
    raw = b"From: bob@example.org\r\nSubject: hi\r\nno blank line before me\r\n"
    mail = parse(raw)
    assert mail.subject == "hi" and "no blank line before me" in mail.text


HTML = "<html><body><p>" + "Our order arrived damaged. " * 800 + "</p></body></html>"


def test_a_boundary_folded_across_lines_is_inferred_from_the_body():
    raw = (
        "From: bob@example.org\r\nSubject: folded\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative;\r\n boundary="----=_Part_12\r\n 34"\r\n\r\n'
        "------=_Part_1234\r\nContent-Type: text/plain\r\n\r\nplain words\r\n"
        "------=_Part_1234\r\nContent-Type: text/html\r\n\r\n" + HTML + "\r\n"
        "------=_Part_1234--\r\n"
    ).encode()
    mail = parse(raw)
    assert mail.text.strip() == "plain words"
    assert "Our order arrived damaged." in mail.html
    assert mail.attachments == []


def test_a_boundary_that_cannot_be_found_shows_the_raw_text_and_no_junk_attachments():
    raw = (
        "From: bob@example.org\r\nSubject: lost\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="not-in-the-body"\r\n\r\n' + HTML + "\r\n"
    ).encode()
    mail = parse(raw)
    assert "Our order arrived damaged." in mail.html
    assert mail.attachments == []
    assert any("boundary" in d for d in mail.defects)


def test_a_lone_inline_text_part_with_a_filename_is_the_body_and_an_attachment():
    raw = (
        b"From: bob@example.org\r\nSubject: lone\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b'Content-Disposition: inline; filename="note.txt"\r\n\r\nThe note itself\r\n--b--\r\n'
    )
    mail = parse(raw)
    assert mail.text.strip() == "The note itself"
    assert [a.filename for a in mail.attachments] == ["note.txt"]
