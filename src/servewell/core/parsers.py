"""The API's body parsers: DRF's own, refusing a NUL character in any text they read.

Its own module because REST framework imports its parser settings while ``rest_framework
.views`` is still loading, so the module may import nothing that needs the views.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers


def _carries_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_carries_nul(k) or _carries_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_carries_nul(v) for v in value)
    if hasattr(value, "lists"):  # a QueryDict from a form or multipart body
        return any(_carries_nul(k) or _carries_nul(v) for k, v in value.lists())
    return False


class _RefusesNul:
    """No text we store may hold a NUL character (PostgreSQL refuses it mid-query). The
    parsers refuse it rather than a middleware, because DRF parses the body lazily, after
    authentication and permissions: a caller who may not ask still hears 403 first."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)  # type: ignore[misc]
        if _carries_nul(getattr(parsed, "data", parsed)):
            raise exceptions.ParseError(
                "The request carries a NUL character, which no field accepts."
            )
        return parsed


class JSONParser(_RefusesNul, parsers.JSONParser):
    pass


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
