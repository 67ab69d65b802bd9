"""Plain formatting for desk pages: an inbox page uses them for every row, from its
templates (``templatetags/desk.py`` registers them as filters) and from ``desk.rows``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import timezone


def duration(seconds: int | None) -> str:
    """185 → '3:05'; an hour or more → '1:02:05'."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (7 * 86400, "week"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def ago(when: datetime | None) -> str:
    """'3 hours ago', in the largest unit only. Django's ``timesince`` is translated and
    two-unit, and costs a quarter of a millisecond — per row, per page."""
    if when is None:
        return ""
    seconds = (timezone.now() - when).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


_SENTINEL = 987654321


@lru_cache(maxsize=32)
def _pattern(name: str, script_prefix: str) -> tuple[str, str]:
    before, after = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return before, after


def desk_url(pk: int, name: str = "desk-conversation") -> str:
    """``reverse`` once per URL name, then plain string building: ``{{ c.pk|desk_url }}``,
    ``{{ c.pk|desk_url:"desk-take" }}`` (URL names with a single ``<int:pk>``)."""
    before, after = _pattern(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"
