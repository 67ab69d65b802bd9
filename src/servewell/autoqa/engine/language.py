"""Which language a conversation is in, or a reason not to score it.

``langdetect`` decides, seeded so a conversation always gets the same answer, and only
above a minimum confidence: a conversation we cannot place is abstained from, never
guessed. Because it costs milliseconds, clear English (a high share of English function
words and almost none of Spanish or German ones) is accepted without asking it.
"""

from __future__ import annotations

import re
from functools import cache

from servewell.autoqa.engine.lexicons import DE_STOP, EN_STOP, ES_STOP, LEXICONS

MIN_CONFIDENCE = 0.80
MIN_LETTERS = 12
DETECT_CHARS = 600
_WORD = re.compile(r"[^\W\d_]+", re.U)


@cache
def _detector() -> object:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    from langdetect import detect_langs

    return detect_langs


def _fast_english(words: list[str]) -> bool:
    if len(words) < 6:
        return False
    en = sum(w in EN_STOP for w in words)
    other = sum(w in ES_STOP or w in DE_STOP for w in words if w not in EN_STOP)
    return en >= 0.3 * len(words) and other <= 0.03 * len(words)


def detect(text: str) -> tuple[str | None, str | None]:
    """``(language, None)`` or ``(None | code, reason)`` when it must not be scored."""
    sample = text[:DETECT_CHARS]
    words = [w.lower() for w in _WORD.findall(sample)]
    if sum(len(w) for w in words) < MIN_LETTERS:
        # Too little to place: "Ok", "Thanks!". Short English-only exchanges are common
        # in chat, so a handful of English function words is enough; anything else waits.
        if words and all(
            w in EN_STOP or w in {"ok", "okay", "yes", "no", "bye", "great"} for w in words
        ):
            return "en", None
        return None, "not scored: too little text to tell the language"
    if _fast_english(words):
        return "en", None
    try:
        ranked = _detector()(sample)
    except Exception:  # langdetect raises on text without features (digits, symbols)
        return None, "not scored: language unknown"
    best = ranked[0]
    if best.prob < MIN_CONFIDENCE:
        return None, f"not scored: language uncertain ({best.lang} {best.prob:.2f})"
    if best.lang not in LEXICONS:
        return best.lang, f"not scored: language {best.lang}"
    return best.lang, None
