"""Small, fast filters for desk templates: an inbox page renders them for every row."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from servewell.core import contract

register = template.Library()


@register.filter
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


@register.filter
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


@register.filter
def desk_url(pk: int, name: str = "desk-conversation") -> str:
    """``reverse`` once per URL name, then plain string building: ``{{ c.pk|desk_url }}``,
    ``{{ c.pk|desk_url:"desk-take" }}`` (URL names with a single ``<int:pk>``)."""
    before, after = _pattern(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


@register.simple_tag
def row_field_headers() -> str:
    """A column head for each field other apps show on inbox rows (their contracts)."""
    return format_html_join(
        "", '<th scope="col">{}</th>', ((f.label or f.name,) for f in contract.row_fields())
    )


@register.simple_tag(takes_context=True)
def row_field_cells(context: template.Context, row: Any) -> str:
    """One cell per row field, rendered by the contributing app's template."""
    extras = getattr(row, "extras", {})
    cells = []
    for row_field in contract.row_fields():
        value = extras.get(row_field.name)
        if row_field.template:
            html = render_to_string(row_field.template, {"value": value, "row": row})
        else:
            html = conditional_escape("" if value is None else value)
        cells.append(format_html("<td>{}</td>", mark_safe(html)))  # noqa: S308 - rendered above
    return mark_safe("".join(cells))  # noqa: S308 - each cell is escaped or a template
