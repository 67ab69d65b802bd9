"""Escaping for HTML written in Python (inbox rows, form widgets).

Why: Django's ``conditional_escape`` and ``format_html`` check every value for lazy text
on the way in (``keep_lazy``), which cost about as much as the escaping itself; the
pages that write a few hundred values (an inbox page, the conversation page's selects)
spent a few per cent of their CPU there. The output is the same: text is escaped with
``html.escape`` (quotes included), anything that is already HTML (``__html__``) is kept.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe


def escaped(value: Any) -> str:
    """``conditional_escape(value)`` as text."""
    if hasattr(value, "__html__"):  # already HTML: a SafeString, a rendered part
        return value.__html__()
    return escape(str(value))


def html(template: str, *args: Any, **kwargs: Any) -> SafeString:
    """``format_html``: each value escaped unless it is already HTML."""
    return mark_safe(  # noqa: S308 - every value is escaped
        template.format(*map(escaped, args), **{k: escaped(v) for k, v in kwargs.items()})
    )
