from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from servewell.core.htmltext import html
from servewell.people.models import Presence


def presence(request: HttpRequest) -> dict[str, Any]:
    """The presence menu of the page header, for a signed-in person: its options, the
    person's own selected (a template loop over them cost more than the rest of the
    header; the few variants are kept per process)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"presence_options": lambda: presence_options(user.presence)}


@lru_cache(maxsize=16)
def presence_options(current: str) -> SafeString:
    return mark_safe(  # noqa: S308 - each part is escaped by html()
        "".join(
            html(
                '<option value="{}"{}>{}</option>',
                value,
                mark_safe(" selected") if value == current else "",
                label,
            )
            for value, label in Presence.choices
        )
    )
