"""Whether a customer's comment reads negative (VADER, English; other languages read
as neutral rather than guessed at)."""

from __future__ import annotations

from functools import lru_cache

NEGATIVE_BELOW = -0.35


@lru_cache(maxsize=1)
def _analyser():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def reads_negative(text: str) -> bool:
    text = (text or "").strip()
    if not text:
        return False
    return _analyser().polarity_scores(text[:2000])["compound"] <= NEGATIVE_BELOW


def reads_positive(text: str) -> bool:
    text = (text or "").strip()
    return bool(text) and _analyser().polarity_scores(text[:2000])["compound"] >= 0.3
