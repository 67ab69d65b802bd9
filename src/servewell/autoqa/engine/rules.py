"""The default scorer: rules and lexicons, per language, on the CPU.

Every criterion reads only the agent's own words (``Doc.agent``), except the two that
are about the customer: whether they were let down (which decides if an apology is due)
and how their mood moved. A verdict is ``{"value", "evidence", "searched"}``: evidence
spans that decided it, or, for "missing", the messages that were searched.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from servewell.autoqa.engine.doc import Doc, Msg, evidence, sentence_bounds
from servewell.autoqa.engine.lexicons import Lexicon, english_profanity

Verdict = dict[str, Any]
_WORD = re.compile(r"[^\W\d_]+", re.U)
MIN_SPECIFIC_WORDS = 2  # content words after the empathy cue that name the situation
STRONG = 0.3  # |polarity| beyond which a message reads as positive or negative
CLOSING_WINDOW = 250  # characters at the end of the last reply where a closing counts
_CLAUSE = re.compile(r"[^.!?\n]+[.!?]*")
#: English negators as ``_WORD`` splits them ("don't" gives "don", "t").
_EN_NEGATORS = frozenset(
    ["not", "no", "never", "nothing", "nobody", "none", "nor", "cannot", "without", "t"]
)
_SENTENCE = re.compile(r"\S[^.!?\n]*[.!?\n]")


def found(value: Any, spans: list[dict[str, Any]], **extra: Any) -> Verdict:
    return {"value": value, "evidence": spans[:3], **extra}


def missing(value: Any, msgs: list[Msg], **extra: Any) -> Verdict:
    return {"value": value, "evidence": [], "searched": [m.index for m in msgs], **extra}


def _first(pattern: re.Pattern[str], msgs: list[Msg], negated: re.Pattern[str] | None = None):
    for msg in msgs:
        for m in pattern.finditer(msg.text.own):
            if negated is not None and negated.search(m.group()):
                continue
            return msg, m
    return None, None


def greeting(doc: Doc) -> Verdict:
    first = doc.agent[:1]
    for msg in first:
        own = msg.text.own
        lead = len(own) - len(own.lstrip())
        m = doc.lexicon.greeting.search(own[lead : lead + 120])
        if m:
            end = own.find("\n", lead)
            s, e = sentence_bounds(own, lead, lead + m.end())
            return found(True, [evidence(msg, lead, min(e, end if end > 0 else e))])
    return missing(False, first)


def introduction(doc: Doc) -> Verdict:
    msg, m = _first(doc.lexicon.introduction, doc.agent)
    return found(True, [evidence(msg, *m.span())]) if m else missing(False, doc.agent)


def empathy(doc: Doc) -> Verdict:
    lex = doc.lexicon
    for msg in doc.agent:
        own = msg.text.own
        for m in lex.empathy.finditer(own):
            s, e = sentence_bounds(own, m.start(), m.end())
            if _genuine(lex, own, s, e, m.end()):
                return found(True, [evidence(msg, s, e)])
    return missing(False, doc.agent)


def _genuine(lex: Lexicon, own: str, s: int, e: int, cue_end: int) -> bool:
    """Specific to the customer's situation, not sarcastic, not a prelude to "but"."""
    sentence, after = own[s:e], own[cue_end:e]
    if lex.sarcasm.search(sentence) or lex.irony.search(sentence):
        return False
    if lex.dismissive.search(after):
        return False
    content = [w for w in _WORD.findall(after.lower()) if len(w) > 3 and w not in lex.stopwords]
    if len(content) < MIN_SPECIFIC_WORDS:
        return False
    following = own[e : e + 40].lstrip(" .!,\n")
    opener = lex.dismissive.match(following)
    return not (opener and len(_WORD.findall(sentence)) < 10)


def let_down(doc: Doc) -> list[dict[str, Any]]:
    spans = []
    for msg in doc.customer:
        m = doc.lexicon.let_down.search(msg.text.own)
        if m:
            spans.append(evidence(msg, *m.span()))
    return spans


def apology(doc: Doc) -> Verdict:
    why = let_down(doc)
    if not why:
        return missing(None, doc.customer, note="N/A: the customer was not let down")
    msg, m = _first(doc.lexicon.apology, doc.agent)
    if m:
        s, e = sentence_bounds(msg.text.own, m.start(), m.end())
        return found(True, [evidence(msg, s, e)], context=why[:2])
    return missing(False, doc.agent, context=why[:2])


def ownership(doc: Doc) -> Verdict:
    msg, m = _first(doc.lexicon.ownership, doc.agent, doc.lexicon.ownership_negated)
    if m:
        s, e = sentence_bounds(msg.text.own, m.start(), m.end())
        return found(True, [evidence(msg, s, e)])
    return missing(False, doc.agent)


def next_step(doc: Doc) -> Verdict:
    msg, m = _first(doc.lexicon.next_step, doc.agent)
    if m:
        s, e = sentence_bounds(msg.text.own, m.start(), m.end())
        return found(True, [evidence(msg, s, e)])
    return missing(False, doc.agent)


def closing(doc: Doc) -> Verdict:
    """Only the end of the last reply counts: "thanks for getting in touch" opening a
    message is a greeting's companion, not a closing."""
    last = doc.agent[-1:]
    for msg in last:
        own = msg.text.own
        end = len(own.rstrip())
        first = next(
            (m for m in _SENTENCE.finditer(own) if not doc.lexicon.greeting.match(m.group())),
            None,
        )
        start = max(end - CLOSING_WINDOW, 0)
        if first and first.end() < end:
            start = max(start, first.end())
        m = doc.lexicon.closing.search(own, start, end)
        if m:
            s, e = sentence_bounds(own, m.start(), m.end())
            return found(True, [evidence(msg, max(s, start), e)])
    return missing(False, last)


def rudeness(doc: Doc) -> Verdict:
    lex = doc.lexicon
    words = _profanity(lex)
    spans = []
    for msg in doc.agent:
        own = msg.text.own
        for pattern in (lex.rude, lex.sarcasm):
            for m in pattern.finditer(own):
                spans.append(evidence(msg, *m.span()))
        if words.isdisjoint(_WORD.findall(own.lower())):
            continue  # the common case: no listed word, no need to walk match by match
        for m in _WORD.finditer(own):
            if m.group().lower() in words:
                spans.append(evidence(msg, *m.span()))
    return found(True, spans) if spans else missing(False, doc.agent)


def _profanity(lex: Lexicon) -> frozenset[str]:
    return english_profanity() if lex.code == "en" else lex.profanity


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def polarity(lex: Lexicon, text: str) -> float:
    """-1..1. VADER for English; for other languages the share of positive minus
    negative words from the language's own lists, a negator flipping the next two."""
    if lex.code == "en":
        return _vader().polarity_scores(text)["compound"]
    words = [w.lower() for w in _WORD.findall(text)]
    total, flip = 0.0, 0
    for w in words:
        sign = 1 if w in lex.positive else -1 if w in lex.negative else 0
        if w in lex.negators:
            flip = 2
            continue
        total += -sign if flip else sign
        flip = max(0, flip - 1)
    return max(-1.0, min(1.0, total / 2))


def mood(lex: Lexicon, msg: Msg) -> tuple[int, tuple[int, int]]:
    """The message's mood (-1, 0, 1), from one polarity reading of the whole message,
    and the span of its most telling sentence, found by the cheap word-level lean
    (VADER is not run again per sentence)."""
    own = msg.text.own
    value = polarity(lex, " ".join(own.split()))
    klass = 1 if value >= STRONG else -1 if value <= -STRONG else 0
    best, span = None, (0, len(own))
    for m in _CLAUSE.finditer(own):
        if len(m.group().strip()) < 3:
            continue
        v = lean(lex, m.group()) * (-1 if klass < 0 else 1)
        if best is None or v > best:
            best, span = v, m.span()
    return klass, span


def lean(lex: Lexicon, text: str) -> float:
    """Sum of the words' valences (VADER's lexicon for English, the language's own
    lists otherwise); a negator flips the next two words."""
    valence = _vader().lexicon if lex.code == "en" else None
    total, flip = 0.0, 0
    for w in _WORD.findall(text.lower()):
        if w in lex.negators or (valence is not None and w in _EN_NEGATORS):
            flip = 2
            continue
        if valence is not None:
            v = valence.get(w, 0.0)
        else:
            v = 1.0 if w in lex.positive else -1.0 if w in lex.negative else 0.0
        total += -v if flip else v
        flip = max(0, flip - 1)
    return total


def sentiment_trend(doc: Doc) -> Verdict:
    said = doc.customer
    if not said:
        return missing(None, said, note="N/A: the customer wrote nothing readable")
    first, last = said[0], said[-1]
    a, span_a = mood(doc.lexicon, first)
    if first is last:
        return found("unchanged", [evidence(first, *span_a)], first=a, last=a)
    b, span_b = mood(doc.lexicon, last)
    trend = "improved" if b > a else "worsened" if b < a else "unchanged"
    return found(trend, [evidence(first, *span_a), evidence(last, *span_b)], first=a, last=b)


CHECKS = {
    "greeting": greeting,
    "introduction": introduction,
    "empathy": empathy,
    "apology": apology,
    "ownership": ownership,
    "next_step": next_step,
    "closing": closing,
    "rudeness": rudeness,
    "sentiment_trend": sentiment_trend,
}


class RulesScorer:
    name = "rules"
    version = "1"
    criteria = tuple(CHECKS)

    def score(self, doc: Doc) -> dict[str, Verdict]:
        return {key: check(doc) for key, check in CHECKS.items()}
