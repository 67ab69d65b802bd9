"""A conversation ready to be judged: its messages prepared, its language settled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from servewell.autoqa.engine.lexicons import LEXICONS, Lexicon
from servewell.autoqa.engine.text import Prepared, prepare

DETECT_CHARS = 600  # of the conversation's text read to tell its language

MAX_MESSAGES = 200  # a longer thread is judged on its first 200 messages
_SENTENCE_END = re.compile(r"[.!?¡¿\n]")

CRITERIA = (
    "greeting",
    "introduction",
    "empathy",
    "apology",
    "ownership",
    "next_step",
    "closing",
    "rudeness",
    "sentiment_trend",
)
BOOLEAN = CRITERIA[:-1]


@dataclass
class Msg:
    index: int
    author: str  # "customer" or "agent"
    text: Prepared


@dataclass
class Doc:
    id: str
    messages: list[Msg]
    language: str | None = None
    lexicon: Lexicon | None = None
    notes: list[str] = field(default_factory=list)

    @cached_property
    def agent(self) -> list[Msg]:
        return [m for m in self.messages if m.author == "agent" and not m.text.empty]

    @cached_property
    def customer(self) -> list[Msg]:
        return [m for m in self.messages if m.author == "customer" and not m.text.empty]


def evidence(msg: Msg, start: int, end: int) -> dict[str, Any]:
    """Trimmed to the words; offsets are into the message's original text."""
    own = msg.text.own
    while start < end and own[start].isspace():
        start += 1
    while end > start and own[end - 1].isspace():
        end -= 1
    a, b = msg.text.span(start, end)
    return {"message": msg.index, "start": a, "end": b, "quote": msg.text.original[a:b]}


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = start
    while left > 0 and not _SENTENCE_END.match(text[left - 1]):
        left -= 1
    m = _SENTENCE_END.search(text, end)
    right = m.end() if m else len(text)
    if right > end and text[right - 1] == "\n":
        right -= 1
    return left, right


def build(data: dict[str, Any]) -> Doc:
    raw = data.get("messages")
    messages: list[Msg] = []
    if isinstance(raw, list):
        for i, item in enumerate(raw[:MAX_MESSAGES]):
            if not isinstance(item, dict):
                continue
            author = "agent" if item.get("author") == "agent" else "customer"
            messages.append(Msg(i, author, prepare(item.get("text"))))
    doc = Doc(id=str(data.get("id", ""))[:200], messages=messages)
    if any(m.text.truncated for m in messages):
        doc.notes.append("long message: only its first part was read")
    if isinstance(raw, list) and len(raw) > MAX_MESSAGES:
        doc.notes.append(f"long thread: only the first {MAX_MESSAGES} messages were read")
    return doc


def sample(doc: Doc) -> str:
    """The start of the conversation's readable text, whitespace collapsed: enough to
    tell its language, and bounded however long the thread is."""
    parts, size = [], 0
    for m in doc.messages:
        if m.text.empty:
            continue
        part = " ".join(m.text.own[: DETECT_CHARS * 2].split())
        parts.append(part)
        size += len(part) + 1
        if size >= DETECT_CHARS:
            break
    return " ".join(parts)[:DETECT_CHARS]


def settle_language(doc: Doc, given: object) -> str | None:
    """Set ``doc.language``/``lexicon``; return the reason to abstain, if any."""
    from servewell.autoqa.engine.language import detect

    if not doc.messages or all(not m.text.original.strip() for m in doc.messages):
        return "not scored: empty conversation"
    if all(m.text.empty for m in doc.messages):
        return "not scored: no readable text"
    if not doc.agent:
        return "not scored: no agent reply"
    if isinstance(given, str) and given.strip():
        code = given.strip().lower()[:2]
        doc.language = code
        if code not in LEXICONS:
            return f"not scored: language {code}"
    else:
        code, reason = detect(sample(doc))
        doc.language = code
        if reason:
            return reason
    doc.lexicon = LEXICONS[doc.language]
    return None
