"""Which language a conversation is in, or a reason not to score it.

``langdetect`` decides, seeded so a conversation always gets the same answer, and only
above a minimum confidence: a conversation we cannot place is abstained from, never
guessed. Because it costs milliseconds a call, a conversation that is plainly English,
Spanish or German is accepted without asking it: a high share of function words found
only in that language's list, almost none of the other two, and none of the common
function words of the neighbours that could pass for it (Portuguese, Italian, Catalan,
French, Dutch, Scandinavian). Anything less clear-cut still goes to ``langdetect``.
"""

from __future__ import annotations

import re
from functools import cache

from servewell.autoqa.engine.lexicons import DE_STOP, EN_STOP, ES_STOP, LEXICONS

MIN_CONFIDENCE = 0.80
MIN_LETTERS = 12
DETECT_CHARS = 600  # a bounded sample: the first messages tell enough
FAST_WORDS = 6  # fewer words than this are never placed by the shortcut
FAST_SHARE = 0.25  # of the words, from the language's own list
FAST_OTHER = 0.04  # of the words, at most, from the other two lists
_WORD = re.compile(r"[^\W\d_]+", re.U)
_SHORT_EN = frozenset({"ok", "okay", "yes", "no", "bye", "great"})

#: Function words of languages that share words with ours; one of them means "ask".
_NEIGHBOUR_WORDS = {
    "pt, gl": "não você vocês meu minha obrigado obrigada olá já ainda pelo pela muito uma"
    " os em seu sua isso grazas unha ao",
    "it": "il di che non è sono ho molto della nel questo anche grazie ciao buongiorno gli",
    "ca": "amb els és però perquè gràcies moltes",
    "fr": "les je vous nous est pas et du pour avec mais très mon votre sur ce cette qui ne"
    " bonjour merci",
    "nl": "het een niet ik van voor zijn mijn wij uw dat je jij op naar heb hebben maar",
    "sv, da, no": "och jag inte är det ett og jeg ikke tack hej",
}
NEIGHBOURS = frozenset(w for words in _NEIGHBOUR_WORDS.values() for w in words.split())
_OWN = {"en": EN_STOP, "es": ES_STOP, "de": DE_STOP}
#: Words that are at home in two of our languages ("so", "was", "an" in German too).
_SHARED = frozenset({"so", "an", "was", "me", "he", "no", "is", "will"})
#: Each language's function words that neither of the other two lists has.
EXCLUSIVE = {
    code: words.difference(_SHARED, *(w for c, w in _OWN.items() if c != code))
    for code, words in _OWN.items()
}


@cache
def _detector() -> object:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    from langdetect import detect_langs

    return detect_langs


def plainly(words: list[str]) -> str | None:
    """The language of ``words`` when the function words leave no doubt, else None."""
    n = len(words)
    if n < FAST_WORDS or sum(w in NEIGHBOURS for w in words) > FAST_OTHER * n:
        return None
    hits = {code: sum(w in own for w in words) for code, own in EXCLUSIVE.items()}
    best = max(hits, key=hits.__getitem__)
    others = sum(hits.values()) - hits[best]
    if hits[best] >= max(3, FAST_SHARE * n) and others <= FAST_OTHER * n:
        return best
    return None


def detect(text: str) -> tuple[str | None, str | None]:
    """``(language, None)`` or ``(None | code, reason)`` when it must not be scored."""
    sample = text[:DETECT_CHARS]
    words = [w.lower() for w in _WORD.findall(sample)]
    if sum(len(w) for w in words) < MIN_LETTERS:
        # Too little to place: "Ok", "Thanks!". Short English-only exchanges are common
        # in chat, so a handful of English function words is enough; anything else waits.
        if words and all(w in EN_STOP or w in _SHORT_EN for w in words):
            return "en", None
        return None, "not scored: too little text to tell the language"
    quick = plainly(words)
    if quick:
        return quick, None
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
