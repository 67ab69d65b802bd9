"""Parse inbound RFC 5322 mail: fast, lazy, and never a crash.

Speed (see shared/PERFORMANCE.md): ``policy.default`` spends three quarters of its time in
header policy objects, so we parse with the legacy ``compat32`` policy (~7x faster), read
the raw header pairs once into a dict, decode a header only when someone asks for it, and
walk the MIME tree once, on first access to a body or an attachment.

Robustness: mail in the wild has undeclared 8-bit headers, lying charsets, broken base64,
encoded words split in the middle of a character, and plain garbage. Every decoding step
has a fallback (declared charset, then UTF-8, then cp1252, then Latin-1, which cannot
fail). Anything still unforeseen surfaces as ``ParseError`` — the only exception this
module lets out — and intake quarantines the raw bytes with its message.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.utils
import functools
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import errors, policy
from email.message import Message as MimeMessage
from email.parser import BytesParser
from typing import Any, TypeVar

__all__ = ["ParseError", "ParsedAttachment", "ParsedEmail", "parse", "sniff_message_id"]

#: How deep we follow nested multiparts; deeper parts are ignored (a defect is noted).
MAX_DEPTH = 24
#: Message-IDs and References: printable ASCII inside angle brackets, bounded length.
_MSGID = re.compile(r"<([\x21-\x3b\x3d\x3f-\x7e]{1,900})>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([qQbB])\?([^?]*)\?=")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_FOLD = re.compile(r"\r?\n[ \t]*|\r")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_SNIFF_MSGID = re.compile(rb"(?im)^message-id[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)")
_BOUNCE_SUBJECT = re.compile(
    r"(?i)^\s*(undeliver|delivery status notification|returned mail|mail delivery "
    r"(failed|failure|subsystem)|failure notice|delivery failure|non[- ]?delivery)"
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"(?i)^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica|auto:)"
)
_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
#: What a delivery failure says in its text (RFC 3464 fields, or the usual prose).
_DSN_BODY = re.compile(
    r"(?im)^(final-recipient|original-recipient|diagnostic-code)\s*:|"
    r"(could not be delivered|delivery (has )?failed|undeliverable|permanent (fatal )?error|"
    r"user unknown|mailbox (unavailable|not found|full)|address rejected|"
    r"message was not delivered|returned to sender)"
)

# Charset names seen in real mail that Python spells differently, or supersets that decode
# what the declared set cannot (cp932 for Shift_JIS with NEC/IBM extensions, GB18030).
_CHARSET_ALIASES = {
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
    "x-user-defined": "",
    "utf8": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "ansi_x3.4-1968": "ascii",
}
# Text codecs that are not charsets (or are quadratic on hostile input).
_REFUSED_CODECS = frozenset({"unicode_escape", "raw_unicode_escape", "punycode", "idna"})


class ParseError(Exception):
    """The bytes are not an email we can read; the message says why, for the quarantine."""


T = TypeVar("T")


def _guarded(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn any unforeseen failure inside a lazy property into ParseError."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except ParseError:
            raise
        except RecursionError:
            raise ParseError("The MIME structure is nested too deeply.") from None
        except Exception as exc:  # the one place that maps the unknown
            raise ParseError(f"Unreadable {fn.__name__.strip('_')}: {exc!r}"[:500]) from exc

    return inner


# --- charsets and encoded words --------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _codec(charset: str | None) -> str:
    """A Python codec name for a declared charset, or "" when unknown or unusable."""
    if not charset:
        return ""
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name or len(name) > 40:
        return ""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return ""
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return ""
    return info.name


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Declared charset, then UTF-8, then cp1252 — strictly; then a forgiving last resort.

    The last resort is the declared charset with replacement characters when it is a
    real multi-byte set (a few bad bytes in Shift_JIS should not turn the whole text into
    cp1252 mojibake), else Latin-1, which maps every byte.
    """
    declared = _codec(charset)
    for name in (declared, "utf-8", "cp1252"):
        if name:
            try:
                return data.decode(name)
            except (UnicodeDecodeError, LookupError):
                continue
    if declared and declared not in {"ascii", "utf-8"}:
        return data.decode(declared, "replace")
    return data.decode("latin-1")


def _fix_surrogates(value: str) -> str:
    """compat32 keeps undeclared 8-bit header bytes as lone surrogates; decode them."""
    if value.isascii():
        return value
    try:
        return decode_bytes(value.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")


def _b_decode(text: str) -> bytes | None:
    text = text.encode("ascii", "ignore").decode("ascii").strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _q_decode(text: str) -> bytes:
    # A raw 8-bit byte inside an encoded word reaches us as a lone surrogate (compat32):
    # it is a byte of the word's own charset, so it goes back to that byte, not to UTF-8.
    data = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _Q_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, joining adjacent words of one charset as bytes first
    (mailers split multi-byte characters across words) and dropping the whitespace
    between encoded words, as the RFC says."""
    if "=?" not in value:
        return _fix_surrogates(value)
    out: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(bytes(pending), pending_charset))
            pending.clear()
            pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and not (pending_charset is not None and between.isspace()):
            flush()
            out.append(_fix_surrogates(between))
        charset, kind, text = match.groups()
        data = _b_decode(text) if kind in "bB" else _q_decode(text)
        if data is None:  # broken base64: keep the word as it was written
            flush()
            out.append(match.group(0))
        else:
            charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix
            if pending_charset != charset:
                flush()
                pending_charset = charset
            pending.extend(data)
        pos = match.end()
    flush()
    out.append(_fix_surrogates(value[pos:]))
    return "".join(out)


def _unfold(value: str) -> str:
    if "\n" in value or "\r" in value:
        value = _FOLD.sub(" ", value)
    return value.strip()


def _clean(value: str) -> str:
    """PostgreSQL text cannot hold NUL; other control characters only confuse people."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value


def decode_header_value(value: Any) -> str:
    """Undeclared 8-bit bytes are decoded where they stand: inside an encoded word by
    that word's charset, elsewhere by the fallbacks (never decoded twice)."""
    if not isinstance(value, str):
        value = str(value)
    return _clean(_unfold(decode_words(value)))


# "Name <a@b>", "\"Name\" <a@b>" or "a@b" alone: most headers are one of these, and the
# full RFC 5322 address parser costs ten times more than this pattern.
_ONE_ADDRESS = re.compile(
    r'\s*(?:"?([^"<>,;:()\\]*?)"?\s*<([^\s<>,;:()"@]+@[^\s<>,;:()"@]+)>|'
    r'([^\s<>,;:()"@]+@[^\s<>,;:()"@]+))\s*'
)


def _getaddresses(values: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for value in values:
        match = _ONE_ADDRESS.fullmatch(value) if "," not in value else None
        if match:
            name, bracketed, bare = match.groups()
            found.append(((name or "").strip(), bracketed or bare))
        else:
            found.extend(email.utils.getaddresses([value]))
    return found


def normalise_message_id(value: str) -> str:
    """``<id@host>`` — the first bracketed id, or a bare token wrapped; "" when none."""
    match = _MSGID.search(value or "")
    if match:
        return f"<{match.group(1)}>"
    token = (value or "").strip().split(maxsplit=1)
    if token and "@" in token[0] and len(token[0]) <= 900 and token[0].isascii():
        bare = token[0].strip("<>")
        if bare and bare.isprintable() and "<" not in bare and ">" not in bare:
            return f"<{bare}>"
    return ""


def message_ids(value: str, limit: int = 100) -> list[str]:
    return [f"<{m}>" for m in _MSGID.findall(value or "")[:limit]]


def sniff_message_id(raw: bytes) -> str:
    """The Message-ID read straight from the header block, before any real parsing.

    Intake needs the dedup key *before* it parses (the raw bytes are stored first), so
    this is a plain regular expression over at most the first 256 KiB; it cannot fail.
    """
    head = raw[:262144]
    end = _HEADER_END.search(head)
    if end:
        head = head[: end.start()]
    match = _SNIFF_MSGID.search(head)
    if not match:
        return ""
    return normalise_message_id(_unfold(match.group(1).decode("latin-1")))


# --- the parsed message ----------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass
class _Body:
    text: str
    html: str
    attachments: list[ParsedAttachment]
    delivery_status: list[dict[str, str]]
    bounced_message_id: str
    defects: list[str]


def _safe_filename(name: str, content_type: str, index: int) -> str:
    name = _clean(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    if not name:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{ext}"
    return name


class ParsedEmail:
    """One inbound email. Headers decode on first access; the body tree is walked once."""

    def __init__(self, msg: MimeMessage, raw_size: int):
        self._msg = msg
        self.raw_size = raw_size
        #: Header lines that had to be mended to read the headers after them.
        self.header_repairs: list[str] = []
        self._headers: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self._headers.setdefault(str(name).strip().lower(), []).append(str(value))

    # -- headers ---------------------------------------------------------------------
    def has_header(self, name: str) -> bool:
        return name.lower() in self._headers

    @_guarded
    def header(self, name: str) -> str:
        """The first value of a header, decoded and unfolded; "" when absent."""
        values = self._headers.get(name.lower())
        return decode_header_value(values[0]) if values else ""

    @_guarded
    def header_all(self, name: str) -> list[str]:
        return [decode_header_value(v) for v in self._headers.get(name.lower(), ())]

    def _raw_header(self, name: str) -> str:
        return " ".join(_unfold(_fix_surrogates(v)) for v in self._headers.get(name, ()))

    @_guarded
    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs of an address header."""
        # Surrogates (raw 8-bit bytes) stay until each part is decoded on its own, so a
        # byte inside an encoded display name is read once, by that word's charset.
        values = [_unfold(v) for v in self._headers.get(name.lower(), ())]
        if not values:
            return []
        pairs = []
        for display, address in _getaddresses(values):
            address = _clean(_fix_surrogates(address)).strip().lower()
            if "@" in address and len(address) <= 254 and " " not in address:
                pairs.append((_clean(_unfold(decode_words(display))).strip("\"' "), address))
        return pairs

    @functools.cached_property
    @_guarded
    def message_id(self) -> str:
        return normalise_message_id(self._raw_header("message-id"))

    @functools.cached_property
    @_guarded
    def in_reply_to(self) -> str:
        ids = message_ids(self._raw_header("in-reply-to"), limit=5)
        return ids[0] if ids else ""

    @functools.cached_property
    @_guarded
    def references(self) -> list[str]:
        return message_ids(self._raw_header("references"))

    @functools.cached_property
    def thread_ids(self) -> list[str]:
        """Ids this message answers, most specific first: In-Reply-To, then References
        from the newest end of the chain."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [i for i in reversed(self.references) if i not in ids]
        return ids[:50]

    @functools.cached_property
    @_guarded
    def sender(self) -> tuple[str, str]:
        """(name, address) of whoever wrote it: From, else Sender, else Reply-To."""
        for name in ("from", "sender", "reply-to"):
            found = self.addresses(name)
            if found:
                return found[0]
        return ("", "")

    @property
    def from_name(self) -> str:
        return self.sender[0]

    @property
    def from_address(self) -> str:
        return self.sender[1]

    @functools.cached_property
    def to(self) -> list[tuple[str, str]]:
        return self.addresses("to")

    @functools.cached_property
    def cc(self) -> list[tuple[str, str]]:
        return self.addresses("cc")

    @functools.cached_property
    def delivered_to(self) -> list[str]:
        found = []
        for name in ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to"):
            found += [address for _n, address in self.addresses(name)]
        return found

    @functools.cached_property
    def recipients(self) -> list[str]:
        """Every address it was delivered to, the envelope's first, without repeats."""
        seen: dict[str, None] = {}
        for address in [*self.delivered_to, *(a for _n, a in self.to + self.cc)]:
            seen.setdefault(address, None)
        return list(seen)

    @functools.cached_property
    def subject(self) -> str:
        return self.header("subject")[:1000]

    @functools.cached_property
    @_guarded
    def date(self) -> datetime | None:
        value = self.header("date")
        if not value:
            return None
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed is None or not 1970 <= parsed.year <= 2200:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    @functools.cached_property
    def auto_submitted(self) -> str:
        """The Auto-Submitted keyword, lower-case ("" when absent)."""
        return self.header("auto-submitted").split(";", 1)[0].strip().lower()

    @functools.cached_property
    def precedence(self) -> str:
        return self.header("precedence").strip().lower()

    @functools.cached_property
    def list_id(self) -> str:
        return self.header("list-id")

    @functools.cached_property
    def return_path(self) -> str:
        return self.header("return-path")

    @functools.cached_property
    def is_auto_reply(self) -> bool:
        """An out-of-office or other automatic *answer* (RFC 3834 and its folklore)."""
        if self.auto_submitted.startswith("auto-replied"):
            return True
        if self.precedence == "auto_reply":
            return True
        for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
            if self.has_header(name) and self.header(name).strip().lower() not in ("no", "0"):
                return True
        automated = self.auto_submitted not in ("", "no") or self.has_header(
            "x-auto-response-suppress"
        )
        return automated and bool(_AUTO_REPLY_SUBJECT.match(self.subject))

    @functools.cached_property
    def is_automated(self) -> bool:
        """Sent by a program (RFC 3834 Auto-Submitted other than "no")."""
        return self.auto_submitted not in ("", "no") or self.is_auto_reply

    # -- structure -------------------------------------------------------------------
    @functools.cached_property
    @_guarded
    def content_type(self) -> str:
        return self._msg.get_content_type()

    @functools.cached_property
    @_guarded
    def is_bounce(self) -> bool:
        """A delivery status notification, recognised by what it is, never by who sent it
        alone: an RFC 3464 report, a delivery-status part, X-Failed-Recipients, or a
        letter from a null return path or a mailer daemon that reads like one (bounce
        subject or a DSN body). ``postmaster@`` is a person's address too."""
        if self.content_type == "multipart/report":
            report = str(self._msg.get_param("report-type", "") or "").lower()
            if report in ("delivery-status", ""):
                return True
        if self.has_header("x-failed-recipients") or self.delivery_status:
            return True
        null_path = self.return_path.replace(" ", "") == "<>"
        daemon = self.from_address.split("@", 1)[0] in _BOUNCE_SENDERS
        if not (null_path or daemon):
            return False
        return bool(_BOUNCE_SUBJECT.match(self.subject)) or bool(_DSN_BODY.search(self.text[:4000]))

    @property
    def text(self) -> str:
        return self._body.text

    @property
    def html(self) -> str:
        return self._body.html

    @property
    def attachments(self) -> list[ParsedAttachment]:
        return self._body.attachments

    @property
    def delivery_status(self) -> list[dict[str, str]]:
        """Per-recipient fields of a bounce report (final-recipient, status, …)."""
        return self._body.delivery_status

    @property
    def bounced_message_id(self) -> str:
        """The Message-ID of the message a bounce reports on, when it says."""
        return self._body.bounced_message_id

    @property
    def defects(self) -> list[str]:
        return self._body.defects

    @functools.cached_property
    @_guarded
    def _body(self) -> _Body:
        return _BodyWalker(self._msg).walk()


class _BodyWalker:
    """One pass over the MIME tree: text and HTML bodies, attachments, bounce details."""

    def __init__(self, msg: MimeMessage):
        self.msg = msg
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.status: list[dict[str, str]] = []
        self.bounced_id = ""
        self.defects: list[str] = []
        #: Named text parts not marked as attachments: the body when there is no other.
        self.named_text: list[tuple[str, str]] = []

    def walk(self) -> _Body:
        stack: list[tuple[MimeMessage, int]] = [(self.msg, 0)]
        while stack:
            part, depth = stack.pop()
            ctype = part.get_content_type()
            if ctype.startswith("multipart/") and not part.is_multipart():
                self._lost_boundary(part, ctype, depth, stack)
            elif ctype.startswith("message/") or not part.is_multipart():
                try:
                    self._leaf(part, ctype)
                except Exception as exc:  # one bad part must not lose the rest
                    self.defects.append(f"A {ctype} part could not be read: {exc!r}"[:300])
            elif depth >= MAX_DEPTH:
                self.defects.append(f"MIME parts nested deeper than {MAX_DEPTH} were skipped.")
            else:
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend((child, depth + 1) for child in reversed(children))
        for defect in getattr(self.msg, "defects", ())[:10]:
            self.defects.append(type(defect).__name__)
        if not any(t.strip() for t in self.text) and not self.html and self.named_text:
            ctype, text = self.named_text[0]  # a lone named part: shown, and still attached
            (self.text if ctype == "text/plain" else self.html).append(text)
        return _Body(
            text=_clean("\n\n".join(t for t in self.text if t.strip())),
            html=_clean("\n".join(self.html)),
            attachments=self.attachments,
            delivery_status=self.status,
            bounced_message_id=self.bounced_id,
            defects=self.defects,
        )

    def _leaf(self, part: MimeMessage, ctype: str) -> None:
        disposition = str(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
        filename = self._filename(part)
        if ctype == "message/delivery-status":
            self._delivery_status(part)
            return
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            self._bounced_headers(part, ctype)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = decode_bytes(self._payload(part), self._charset(part))
            (self.text if ctype == "text/plain" else self.html).append(text)
            return
        payload = self._payload(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            self.named_text.append((ctype, decode_bytes(payload, self._charset(part))))
        if not filename and len(payload.strip()) <= 4 and not ctype.startswith("message/"):
            self.defects.append(f"An empty {ctype} part was skipped.")
            return
        if ctype == "message/rfc822" and not filename:
            filename = "forwarded-message.eml"
        self.attachments.append(
            ParsedAttachment(
                filename=_safe_filename(filename, ctype, len(self.attachments) + 1),
                content_type=ctype[:127],
                payload=payload,
                content_id=str(part.get("content-id", "")).strip().strip("<>")[:255],
                inline=disposition == "inline",
            )
        )

    def _lost_boundary(
        self, part: MimeMessage, ctype: str, depth: int, stack: list[tuple[MimeMessage, int]]
    ) -> None:
        """A multipart whose boundary was never found (folded across lines, misspelt):
        read the boundary off the body's own delimiter lines and parse the parts again;
        failing that, the raw text is the body, never an empty message with a .bin."""
        body = part.get_payload()
        raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else b""
        boundary = _infer_boundary(raw)
        if boundary and depth < MAX_DEPTH:
            head = b"Content-Type: " + ctype.encode() + b'; boundary="' + boundary + b'"\r\n\r\n'
            again = _parse_bytes(head + raw, False)
            if again.is_multipart():
                self.defects.append("The MIME boundary was not declared right; it was inferred.")
                stack.append((again, depth + 1))
                return
        text = decode_bytes(raw, self._charset(part))
        looks_html = re.search(r"(?i)<(html|body|div|p|table)\b", text[:5000])
        (self.html if looks_html else self.text).append(text)
        self.defects.append("The MIME boundary could not be found; the raw text is the body.")

    @staticmethod
    def _payload(part: MimeMessage) -> bytes:
        if part.is_multipart():  # message/rfc822: the enclosed message, as bytes
            inner = part.get_payload()
            target = inner[0] if isinstance(inner, list) and len(inner) == 1 else part
            try:
                return target.as_bytes()
            except Exception:  # a broken inner message is still an attachment
                return b""
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            return data
        return str(part.get_payload() or "").encode("utf-8", "surrogateescape")

    @staticmethod
    def _charset(part: MimeMessage) -> str | None:
        try:
            charset = part.get_content_charset()
        except Exception:  # a malformed parameter means "not declared"
            return None
        return _fix_surrogates(charset) if isinstance(charset, str) else None

    @staticmethod
    def _filename(part: MimeMessage) -> str:
        """compat32 hands a parameter holding raw 8-bit bytes back as a Header of unknown
        8-bit text, which prints every byte as U+FFFD; the raw header value still has
        them (as surrogates), so 8-bit headers are decoded before their parameters are
        read, the same way a Subject's are."""
        source = part
        raw = {k.lower(): v for k, v in part.raw_items()}
        wanted = ("content-disposition", "content-type")
        if any(not str(raw.get(k, "")).isascii() for k in wanted):
            source = MimeMessage()
            for key in wanted:
                if key in raw:
                    source[key] = _fix_surrogates(str(raw[key]))
        try:
            name = source.get_filename() or ""
        except Exception:  # malformed RFC 2231 parameters
            name = ""
        return decode_header_value(name) if name else ""

    def _delivery_status(self, part: MimeMessage) -> None:
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            return
        for block in blocks[1:21] if len(blocks) > 1 else blocks:
            fields = {
                key: decode_header_value(block.get(key, "")).split(";")[-1].strip()
                for key in ("final-recipient", "action", "status", "diagnostic-code")
            }
            fields["diagnostic-code"] = decode_header_value(block.get("diagnostic-code", ""))
            if any(fields.values()):
                self.status.append(fields)

    def _bounced_headers(self, part: MimeMessage, ctype: str) -> None:
        if self.bounced_id:
            return
        if part.is_multipart():
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                self.bounced_id = normalise_message_id(str(inner[0].get("message-id", "")))
            return
        text = decode_bytes(self._payload(part))
        match = re.search(r"(?im)^message-id[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", text)
        if match:
            self.bounced_id = normalise_message_id(_unfold(match.group(1)))


_DELIMITER = re.compile(rb"(?m)^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(--)?[ \t]*\r?$")


def _infer_boundary(raw: bytes) -> bytes:
    """The first delimiter token that opens at least one part and appears again (the
    outermost multipart's): ``--token`` lines, as RFC 2046 writes them."""
    seen: dict[bytes, int] = {}
    for match in _DELIMITER.finditer(raw[:2_000_000]):
        token = match.group(1)
        seen[token] = seen.get(token, 0) + 1
    for token, count in seen.items():
        if count >= 2:
            return token
    return b""


def parse(raw: bytes, *, headers_only: bool = False) -> ParsedEmail:
    """Parse raw RFC 5322 bytes. Raises ParseError (and nothing else) when they are not
    an email we can read. ``headers_only`` skips the body (loop checks need no more)."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ParseError("Expected bytes.")
    raw = bytes(raw)
    if not raw.strip():
        raise ParseError("The message is empty.")
    msg = _parse_bytes(raw, headers_only)
    repairs: list[str] = []
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        # One malformed line ended the header block early; the headers after it would
        # be read as body. Mend the block and read it again (only then: it is rare).
        mended, repairs = _mend_header_block(raw)
        if repairs:
            msg = _parse_bytes(mended, headers_only)
    if not msg.keys():
        raise ParseError("No RFC 5322 header found: this is not an email.")
    parsed = ParsedEmail(msg, raw_size=len(raw))
    parsed.header_repairs = repairs
    return parsed


def _parse_bytes(raw: bytes, headers_only: bool) -> MimeMessage:
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=headers_only)
    except RecursionError:
        raise ParseError("The MIME structure is nested too deeply.") from None
    except Exception as exc:  # the parser's own failures, whatever they are
        raise ParseError(f"The MIME parser gave up: {exc!r}"[:500]) from exc


_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")


def _mend_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """Lines inside the header block that are neither a header nor a continuation (a
    continuation that lost its indent, junk such as ``quite Delivered-To:``) become
    continuations of the header above, so the headers after them are still headers.
    Only lines *followed* by a real header are mended: text after the last header is
    a body that lacks its blank line, and stays a body."""
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw
    lines = head.split(b"\n")
    valid = [
        i
        for i, line in enumerate(lines)
        if _HEADER_LINE.match(line) or (i == 0 and line.startswith(b"From "))
    ]
    if len(valid) < 2:
        return raw, []
    last = valid[-1]
    mended, repairs = [], []
    for i, line in enumerate(lines):
        core = line.rstrip(b"\r")
        if 0 < i < last and core and core[:1] not in b" \t" and i not in valid:
            repairs.append(core[:60].decode("latin-1"))
            line = b" " + line
        mended.append(line)
    return b"\n".join(mended) + raw[len(head) :], repairs
