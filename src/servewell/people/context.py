from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from servewell.people.models import Presence


def presence(request: HttpRequest) -> dict[str, Any]:
    """The presence menu of the page header, for a signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"presence_choices": Presence.choices}
