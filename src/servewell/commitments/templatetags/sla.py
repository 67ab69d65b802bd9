from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def business_duration(seconds: float | None) -> str:
    """3h 05m / 2d 4h style, for business seconds (negative: overdue)."""
    if seconds is None:
        return "–"
    sign = "−" if seconds < 0 else ""
    s = int(abs(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


@register.filter
def bar(value: float | int | None, peak: float | int) -> int:
    """A width class step (0–100 by 5) for CSS bars; no inline styles under our CSP."""
    if not value or not peak:
        return 0
    return max(5, min(100, round(value * 20 / peak) * 5))
