"""Small, fast filters for desk templates: an inbox page renders them for every row."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join

from servewell.core import contract
from servewell.desk import rows, thread
from servewell.desk.formatting import ago, desk_url, duration

register = template.Library()


register.filter("duration", duration)
register.filter("ago", ago)
register.filter("desk_url", desk_url)


@register.simple_tag
def row_field_headers() -> str:
    """A column head for each field other apps show on inbox rows (their contracts)."""
    return format_html_join(
        "", '<th scope="col">{}</th>', ((f.label or f.name,) for f in contract.row_fields())
    )


@register.simple_tag(takes_context=True)
def row_field_cells(context: template.Context, row: Any) -> str:
    """One cell per row field, rendered by the contributing app's template."""
    return rows.field_cells(row)


@register.simple_tag(takes_context=True)
def inbox_row(context: template.Context, c: Any, oob: bool = False) -> str:
    """``{% inbox_row c %}``: the row as ``desk.rows`` writes it, with the page's
    ``can_work``, ``row_error`` and CSRF token."""
    return rows.inbox_row(
        c,
        can_work=bool(context.get("can_work")),
        csrf_token=str(context.get("csrf_token") or ""),
        oob=oob or bool(context.get("oob")),
        row_error=context.get("row_error") or "",
    )


@register.simple_tag
def search_hit(h: Any) -> str:
    """``{% search_hit h %}``: the hit as ``desk.rows`` writes it."""
    return rows.search_hit(h)


@register.simple_tag(takes_context=True)
def thread_list(context: template.Context) -> str:
    """``{% thread_list %}``: the page's ``thread`` as ``desk.thread`` writes it, with the
    page's ``conversation``, ``can_work`` and CSRF token."""
    return thread.thread_html(
        context.get("thread") or (),
        conversation=context.get("conversation"),
        can_work=bool(context.get("can_work")),
        csrf_token=str(context.get("csrf_token") or ""),
    )
