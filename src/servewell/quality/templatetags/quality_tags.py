"""Small display helpers of the quality screens."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def score_css(score: float | None) -> str:
    if score is None:
        return "qa-score"
    if score < 60:
        return "qa-score qa-score-low"
    if score < 85:
        return "qa-score qa-score-mid"
    return "qa-score qa-score-high"


@register.filter
def score_text(score: float | None) -> str:
    return "N/A" if score is None else f"{score:g}"


@register.filter
def answer_text(answer: Any) -> str:
    if answer.value is None:
        return "N/A"
    if answer.criterion.scale == "yes_no":
        return "Yes" if answer.value else "No"
    return f"{answer.value} / 5"


@register.filter
def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None
