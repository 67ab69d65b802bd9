"""The inbox's Due cell, written in Python.

Why: the cell is on every row of every inbox page (up to a hundred), and a template
rendered per cell cost more than the rest of the row; the row itself is written the
same way (``desk.rows``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from servewell.commitments.sla import ClockView
from servewell.core.htmltext import html
from servewell.core.templatetags.dates import date

NO_CLOCK = mark_safe('<span class="muted">–</span>')
#: What a clock's state says instead of its time.
WORDS = {"breached": "overdue", "paused": "paused"}


def due_cell(value: ClockView | None, row: Any = None) -> SafeString:
    """The most urgent open target of a row (``sla.annotate_due``): its time due in the
    viewer's zone, or what holds it (overdue, paused); a dash when it has none."""
    if not value:
        return NO_CLOCK
    word = WORDS.get(value.state)
    if word is not None:
        shown: Any = word
    else:
        due = timezone.localtime(value.due_at) if value.due_at else None
        shown = html(
            '<time datetime="{}">{}</time>',
            value.due_at.isoformat() if value.due_at else "",
            date(due, "D H:i") if due else "",
        )
    return html(
        '<span class="sla-badge sla-{}" title="{}">{}</span>', value.state, value.label, shown
    )
