# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""What the agent (or the customer) wrote themselves, with a way back to the original text.

Criteria must judge a writer's own words: quoted history, forwarded headers and
signatures are masked out. Masking replaces characters with spaces instead of deleting
them, so an offset into the masked text is an offset into the cleaned text; HTML bodies
are cleaned into text with an index map back into the original. Every evidence span is
therefore exact: ``original[start:end] == quote``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_CHARS = 20_000  # of each message processed; the rest is ignored, never a crash
JUNK_SHARE = 0.1  # a message with more control/replacement characters than this is junk

_HTML_HINT = re.compile(
    r"<(?:p|div|br|span|html|body|b|i|a|table|td|li|ul|blockquote|strong|em|font)\b", re.I
)
_TOKEN = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|&#?[a-zA-Z0-9]{1,10};", re.S)
_BLOCK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol", "hr"}
_SKIP = {"script", "style", "head", "blockquote", "title"}
_QUOTE_DIV = re.compile(
    r"gmail_quote|divRplyFwdMsg|moz-cite-prefix|yahoo_quoted|OutlookMessageHeader", re.I
)
_CUT_MARK = "\n-----Original Message-----\n"

_QUOTE_HEADERS = re.compile(
    r"^[ \t]*(?:"
    r"-{2,}[ \t]*(?:Original Message|Mensaje original|Ursprüngliche Nachricht|Forwarded message|Mensaje reenviado|Weitergeleitete Nachricht)[ \t]*-{2,}"
    r"|_{8,}[ \t]*$"
    r"|(?:On|El|Am|Le)\b[^\n]{0,300}?(?:wrote|escribió|schrieb|a écrit)[^\n]{0,80}:[ \t]*$"
    r"|(?:On|El|Am)\b[^\n]{0,200}\n[^\n]{0,120}(?:wrote|escribió|schrieb)[ \t]*:[ \t]*$"
    r"|(?:From|De|Von)[ \t]*:[^\n]*\n(?:[^\n]*\n){0,3}[ \t]*(?:Sent|Date|Enviado|Fecha|Gesendet|Datum)[ \t]*:"
    r")",
    re.M | re.I,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*", re.M)
_SIG_HARD = re.compile(
    r"^(?:--[ \t]*$|Sent from my \w+|Sent from (?:Mail|Outlook)|Get Outlook for|Enviado desde mi|Von meinem [^\n]{0,40} gesendet)",
    re.M | re.I,
)
_VALEDICTION = re.compile(
    r"^[ \t]*(?:(?:best|kind|warm|warmest|many|with)?[ \t]*(?:regards|wishes|thanks)|thanks(?: again| so much)?|thank you|cheers|sincerely|yours sincerely|all the best|take care"
    r"|(?:un )?saludos?(?: cordiales)?|un abrazo|atentamente|cordialmente|muchas gracias|gracias"
    r"|(?:mit )?(?:freundlichen|besten|herzlichen|vielen|liebe|viele|beste|schöne)[ \t]+(?:grüßen|grüße|gruß|dank)|lg|vg)[ \t]*[,.!]?[ \t]*$",
    re.M | re.I,
)


@dataclass
class Prepared:
    """One message ready for the criteria: ``own`` is the cleaned text with everything
    that is not the writer's own words masked by spaces; ``index`` maps a position of
    ``own`` to the original text (None: the same positions)."""

    original: str
    own: str
    index: list[int] | None
    junk: bool = False
    truncated: bool = False

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.index is None:
            return start, end
        return self.index[start], self.index[end - 1] + 1

    @property
    def empty(self) -> bool:
        return self.junk or not self.own.strip()


def is_junk(text: str) -> bool:
    if not text:
        return False
    sample = text[:4000]
    bad = sum(1 for ch in sample if (ch < " " and ch not in "\n\r\t") or ch == "\ufffd")
    return bad > JUNK_SHARE * len(sample)


def html_to_text(source: str) -> tuple[str, list[int]]:
    """Text of an HTML body and, for each of its characters, its offset in ``source``.
    Quoted blocks are dropped; a mail client's quote container becomes a cut mark."""
    out: list[str] = []
    index: list[int] = []
    pos = 0
    skipping: list[str] = []
    for m in _TOKEN.finditer(source):
        if not skipping:
            _copy(source, pos, m.start(), out, index)
        pos = m.end()
        closing, tag = m.group(1), (m.group(2) or "").lower()
        if not tag:  # an entity or a comment
            if not skipping and not m.group().startswith("<!--"):
                out.extend(html.unescape(m.group()))
                index.extend([m.start()] * (len(out) - len(index)))
            continue
        if tag in _SKIP:
            if closing and tag in skipping:
                skipping.remove(tag)
            elif not closing:
                skipping.append(tag)
            continue
        if skipping:
            continue
        if not closing and _QUOTE_DIV.search(m.group()):
            out.extend(_CUT_MARK)
            index.extend([m.start()] * len(_CUT_MARK))
            break
        if tag in _BLOCK:
            out.append("\n")
            index.append(m.start())
    else:
        if not skipping:
            _copy(source, pos, len(source), out, index)
    return "".join(out), index


def _copy(source: str, start: int, end: int, out: list[str], index: list[int]) -> None:
    out.append(source[start:end])
    index.extend(range(start, end))


def _mask(text: str, start: int, end: int) -> str:
    piece = text[start:end]
    return text[:start] + re.sub(r"[^\n]", " ", piece) + text[end:]


def own_words(text: str) -> str:
    """``text`` with quoted history and signature masked (same length)."""
    cut = _QUOTE_HEADERS.search(text)
    if cut:
        text = _mask(text, cut.start(), len(text))
    if ">" in text:
        for m in reversed(list(_QUOTED_LINE.finditer(text))):
            text = _mask(text, m.start(), m.end())
    hard = _SIG_HARD.search(text)
    if hard:
        text = _mask(text, hard.start(), len(text))
    for m in _VALEDICTION.finditer(text):
        rest = text[m.end() :]
        if m.start() > 0 and len(rest.strip()) < 300 and rest.strip().count("\n") < 5:
            # The sign-off line stays (it is a closing); name, title and slogans go.
            return _mask(text, m.end(), len(text))
    return text


def prepare(text: object) -> Prepared:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    original = text
    truncated = len(text) > MAX_CHARS
    work = text[:MAX_CHARS]
    if is_junk(work):
        return Prepared(original, "", None, junk=True, truncated=truncated)
    index = None
    if "<" in work and _HTML_HINT.search(work):
        work, index = html_to_text(work)
    work = work.replace("\r", " ")
    return Prepared(original, own_words(work), index, truncated=truncated)
