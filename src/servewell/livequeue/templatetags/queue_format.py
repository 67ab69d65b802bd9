"""Formatting for queue figures: durations as m:ss, ratios as percentages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = max(0, round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def pct(ratio: float | None) -> str:
    if ratio is None:
        return "–"
    return f"{float(ratio) * 100:.0f} %"
