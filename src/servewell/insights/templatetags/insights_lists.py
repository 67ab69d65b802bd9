"""The long repeated parts of the insights pages — a drill-down's hundred rows, the person
filter's up to 500 choices — written in one pass each: as template loops with a tag or two
per cell they took longer to render than the page's queries took to run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _cell(cell: Any) -> str:
    """A (text, url) cell as a link, any other value as the template would print it
    (``—`` for nothing), escaped as the template would."""
    if isinstance(cell, tuple):
        text, url = cell
        if url:
            return f'<td><a href="{conditional_escape(url)}">{conditional_escape(text)}</a></td>'
        cell = text
    return f"<td>{conditional_escape('—' if cell is None else localize(cell))}</td>"


@register.filter
def drill_cells(row: Iterable[Any]) -> SafeString:
    """One row's ``<td>`` cells."""
    return mark_safe("".join(_cell(c) for c in row))  # noqa: S308 - each cell is escaped


@register.simple_tag
def person_options(people: Iterable[Any], selected: int | None) -> SafeString:
    """The ``<option>`` of each person, the chosen one selected."""
    return mark_safe(  # noqa: S308 - the name is escaped, the id is an integer
        "".join(
            f'<option value="{int(p.pk)}"{" selected" if p.pk == selected else ""}>'
            f"{conditional_escape(str(p))}</option>"
            for p in people
        )
    )
