"""Mail bodies made safe and readable: HTML sanitised, quoted history and signatures folded.

Sanitising (nh3) happens once, at intake, and the result is what ``Message.body_html``
stores. Beyond the usual (no script, no style, no ``on*`` attributes, no ``javascript:``)
remote images are defused: ``<img src="https://…">`` becomes
``<img data-remote-src="https://…" class="sw-remote-image">``, so neither our markup nor
the browser fetches a tracking pixel when an agent opens the conversation (the page's CSP
would block it too; this keeps the markup honest). Inline images (``<img src="cid:…">``,
the pictures pasted into a mail or a signature's logo) become ``<img data-cid="…">``;
``inline_images`` points them at the message's own attachment when it is shown.

Folding happens at display time (``present``) and never loses a byte: it splits a body
into what the person wrote and the quoted history / signature, shown one click away.
"""

from __future__ import annotations

import copy
import html as stdlib_html
import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

REMOTE_IMAGE_CLASS = "sw-remote-image"
_REMOTE_MARK = "sw-remote:"
_CID_MARK = "sw-cid:"
#: Inline images are shown only in these types: raster formats a browser cannot run
#: script from (not SVG).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

# Class names and ids that mail clients put on quoted history and signatures; they are
# the only classes and ids that survive sanitising (they cannot clash with ours).
QUOTE_CLASSES = frozenset(
    {
        "gmail_quote",
        "gmail_quote_container",
        "gmail_attr",
        "gmail_extra",
        "yahoo_quoted",
        "moz-cite-prefix",
        "OutlookMessageHeader",
        "protonmail_quote",
        "zmail_extra",
    }
)
SIGNATURE_CLASSES = frozenset({"gmail_signature", "moz-signature", "protonmail_signature_block"})
MARKER_IDS = frozenset(
    {"divRplyFwdMsg", "appendonsend", "Signature", "ms-outlook-mobile-signature", "stopSpelling"}
)

_TAGS = (set(nh3.ALLOWED_TAGS) | {"font", "center"}) - {"map", "area"}
_ATTRIBUTES = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
_ATTRIBUTES["*"] = {"dir", "lang", "title"}
_ATTRIBUTES["img"] = {"alt", "height", "src", "width"}
_ATTRIBUTES["font"] = {"color", "size"}
_CLEAN_CONTENT = {"script", "style", "title", "head", "template", "noscript", "xml"}
_CLASSES = {tag: set(QUOTE_CLASSES | SIGNATURE_CLASSES) for tag in ("div", "blockquote", "span")}
_VALUES = {
    "div": {"id": set(MARKER_IDS)},
    "hr": {"id": {"stopSpelling"}},
    "blockquote": {"type": {"cite"}},
}
_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def _defuse_remote_images(tag: str, attribute: str, value: str) -> str | None:
    cid = value[:4].lower() == "cid:"
    if tag == "img" and attribute == "src":
        # Only http(s) and cid: get here: nh3 dropped every other scheme.
        return (_CID_MARK + value[4:]) if cid else (_REMOTE_MARK + value)
    if cid:  # a cid: link or anything else that is not an image source means nothing
        return None
    return value


_SANITISER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_CLEAN_CONTENT,
    attributes=_ATTRIBUTES,
    attribute_filter=_defuse_remote_images,
    url_schemes=_SCHEMES,
    allowed_classes=_CLASSES,
    tag_attribute_values=_VALUES,
    link_rel="noopener noreferrer nofollow",
)
# Re-balances the halves of an already sanitised body after folding cut it in two.
_REBALANCE_ATTRIBUTES = copy.deepcopy(_ATTRIBUTES)
_REBALANCE_ATTRIBUTES["img"] = {"alt", "height", "width", "src", "data-remote-src", "data-cid"}
_REBALANCER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_CLEAN_CONTENT,
    attributes=_REBALANCE_ATTRIBUTES,
    url_schemes=_SCHEMES,
    allowed_classes={**_CLASSES, "img": {REMOTE_IMAGE_CLASS}},
    tag_attribute_values=_VALUES,
    link_rel="noopener noreferrer nofollow",
)
# nh3 output quotes every attribute with " and escapes " inside values: this is exact.
_REMOTE_SRC = re.compile(r'src="' + re.escape(_REMOTE_MARK) + r'([^"]*)"')
_CID_SRC = re.compile(r'src="' + re.escape(_CID_MARK) + r'([^"]*)"')
# An image left with no source (data:, javascript:) shows nothing useful: drop it.
_EMPTY_IMG = re.compile(r'<img(?![^>]*\s(?:src|data-remote-src|data-cid)=")[^>]*>')
_DATA_CID = re.compile(r'<img([^>]*?)\sdata-cid="([^"]*)"([^>]*)>')


def sanitise(html: str) -> str:
    """Safe HTML for storing and showing: see the module docstring for what goes."""
    if not html or not html.strip():
        return ""
    cleaned = _SANITISER.clean(html)
    if _REMOTE_MARK in cleaned:
        cleaned = _REMOTE_SRC.sub(
            lambda m: f'data-remote-src="{m.group(1)}" class="{REMOTE_IMAGE_CLASS}"', cleaned
        )
    if _CID_MARK in cleaned:
        cleaned = _CID_SRC.sub(lambda m: f'data-cid="{m.group(1)}"', cleaned)
    if "<img" in cleaned:
        cleaned = _EMPTY_IMG.sub("", cleaned)
    return cleaned.strip()


def inline_images(html: str, sources: dict[str, str]) -> str:
    """Point ``<img data-cid="…">`` at the URL of the attachment with that Content-ID
    (``sources``: content id → URL); an image whose part is missing, or not a safe
    raster type, is left out rather than shown broken."""
    if "data-cid=" not in html:
        return html

    def resolve(match: re.Match) -> str:
        url = sources.get(stdlib_html.unescape(match.group(2)))
        if not url:
            return ""
        return f'<img{match.group(1)} src="{stdlib_html.escape(url)}"{match.group(3)}>'

    return _DATA_CID.sub(resolve, html)


_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|blockquote|pre|table)>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for search and for mail without a text part)."""
    if not html:
        return ""
    text = nh3.clean(_BLOCK_END.sub("\n", html), tags=set(), clean_content_tags=_CLEAN_CONTENT)
    text = stdlib_html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# --- folding ---------------------------------------------------------------------------

_WROTE = (
    r"(wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|escreveu|skrev|napisał|"
    r"написал[аи]?|kirjoitti|yazdı|írta)"
)
# "On Mon, 1 Jan 2024 at 10:00, Jo <jo@example.org> wrote:" and its translations; a date
# or an address must be in it, so "My colleague wrote:" in a message does not fold.
_ATTRIBUTION = re.compile(
    r"(?is)^\s*(on|am|le|el|il|op|em|den|w\s+dniu|в|\d{1,4}[./-])\b(?=.*[\d@]).{0,300}"
    + _WROTE
    + r"\s*:\s*$"
)
_ORIGINAL_MESSAGE = re.compile(
    r"(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$"
)
_OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"(?i)^\s*\*?(from|von|de|da|van)\s*:\*?\s+\S")
_HEADER_SENT = re.compile(r"(?i)^\s*\*?(sent|gesendet|date|datum|envoyé|enviado|inviato)\s*:")
_MOBILE_SIGNATURE = re.compile(
    r"(?i)^\s*(sent from my \w+|get outlook for \w+|von meinem \w+ gesendet|"
    r"envoyé de mon \w+|enviado desde mi \w+)"
)


@dataclass(frozen=True)
class Folded:
    visible: str
    folded: str


def fold_text(text: str) -> Folded:
    """Split plain text into the new words and the quoted history / signature after them.

    Inline answers (quotes followed by new text) stay visible; only a trailing quoted
    block, an attribution line ("On … wrote:"), an Outlook header or a "-- " signature
    starts the fold. A body that would fold away entirely is shown whole.
    """
    lines = (text or "").splitlines()
    cut = _text_cut(lines)
    if cut is None or not any(line.strip() for line in lines[:cut]):
        return Folded((text or "").strip("\n"), "")
    return Folded("\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip("\n"))


def _text_cut(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.rstrip("\r")
        if stripped in ("-- ", "--") or _ORIGINAL_MESSAGE.match(stripped):
            return i
        if _MOBILE_SIGNATURE.match(stripped) and not any(s.strip() for s in lines[i + 1 :]):
            return i
        if (
            _OUTLOOK_RULE.match(stripped)
            and i + 1 < len(lines)
            and _HEADER_FROM.match(lines[i + 1])
        ):
            return i
        if _HEADER_FROM.match(stripped) and any(
            _HEADER_SENT.match(s) for s in lines[i + 1 : i + 4]
        ):
            return i
        if stripped.rstrip().endswith(":"):
            if _ATTRIBUTION.match(stripped):
                return i
            if i and _ATTRIBUTION.match(lines[i - 1] + " " + stripped):
                return i - 1  # Gmail wraps long attribution lines
    return _trailing_quote(lines)


def _trailing_quote(lines: list[str]) -> int | None:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start == end:
        return None
    while start < end and not lines[start].strip():
        start += 1
    return start


_HTML_QUOTE = re.compile(
    r'<(?:blockquote\b|(?:div|span) class="[^"]*\b(?:'
    + "|".join(re.escape(c) for c in sorted(QUOTE_CLASSES | SIGNATURE_CLASSES))
    + r')\b|div id="(?:divRplyFwdMsg|appendonsend|Signature|ms-outlook-mobile-signature)"'
    r'|hr id="stopSpelling")'
)
_HTML_TEXT_MARK = re.compile(
    r"(?i)-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original)\s*-{2,}|(?:^|>)\s*--\s*<br"
)
_BLOCK_START = re.compile(r"(?i)<(div|p|br|hr|table)\b")


def fold_html(html: str) -> Folded:
    """The HTML twin of ``fold_text`` for an already sanitised body."""
    if not html:
        return Folded("", "")
    cuts = [m.start() for m in (_HTML_QUOTE.search(html), _HTML_TEXT_MARK.search(html)) if m]
    if not cuts:
        return Folded(html, "")
    cut = _block_start_before(html, min(cuts))
    cut = _attribution_start(html, cut)
    visible, folded = html[:cut], html[cut:]
    if not html_to_text(visible).strip():
        return Folded(html, "")
    return Folded(_REBALANCER.clean(visible).strip(), _REBALANCER.clean(folded).strip())


def _block_start_before(html: str, pos: int) -> int:
    """A text marker ("-----Original Message-----") folds from its own line's start."""
    if html.startswith("<", pos):
        return pos
    starts = [m.start() for m in _BLOCK_START.finditer(html, 0, pos)]
    return starts[-1] if starts else pos


def _attribution_start(html: str, cut: int) -> int:
    """Move the cut back over an "On … wrote:" line just before the quote, if there is one."""
    starts = [m.start() for m in _BLOCK_START.finditer(html, max(0, cut - 1500), cut)]
    for start in reversed(starts[-3:]):
        if _ATTRIBUTION.match(html_to_text(html[start:cut]).replace("\n", " ")):
            return start
    return cut


def _text_to_html(text: str) -> str:
    return urlize(text, nofollow=True, autoescape=True).replace("\n", "<br>\n")


@dataclass(frozen=True)
class Presented:
    visible: SafeString
    folded: SafeString


#: Messages whose presentation is kept per process, and the largest kept (characters).
PRESENTED_KEPT = 512
PRESENTED_KEPT_SIZE = 64_000


def present(body_text: str, body_html: str = "", images: dict[str, str] | None = None) -> Presented:
    """What a person reads: safe HTML of the new words, and the folded rest (maybe "").

    ``body_html`` must be what ``sanitise`` returned (``Message.body_html`` is);
    ``images`` maps the Content-IDs of the message's attachments to their URLs.

    Kept per process by the message's own text: a thread is shown again on every visit
    and after every reply, note and change, and folding and linking a long email costs
    milliseconds. A message's text does not change once filed (an erasure rewrites it,
    and the new text is a new key).
    """
    if len(body_text) + len(body_html) > PRESENTED_KEPT_SIZE:
        return _present(body_text, body_html, tuple(sorted((images or {}).items())))
    return _kept_present(body_text, body_html, tuple(sorted((images or {}).items())))


@lru_cache(maxsize=PRESENTED_KEPT)
def _kept_present(body_text: str, body_html: str, images: tuple[tuple[str, str], ...]) -> Presented:
    return _present(body_text, body_html, images)


def _present(body_text: str, body_html: str, image_pairs: tuple[tuple[str, str], ...]) -> Presented:
    images = dict(image_pairs)
    if body_html:
        parts = fold_html(body_html)
        visible = inline_images(parts.visible, images)
        folded = inline_images(parts.folded, images)
        return Presented(mark_safe(visible), mark_safe(folded))  # noqa: S308
    parts = fold_text(body_text)
    return Presented(
        mark_safe(_text_to_html(parts.visible)),  # noqa: S308 — urlize escaped it
        mark_safe(_text_to_html(parts.folded)),  # noqa: S308
    )
