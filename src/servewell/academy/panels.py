"""What the academy shows on pages other apps own."""

from __future__ import annotations

from typing import Any

from servewell.academy import queries
from servewell.academy.access import ACADEMY_REPORTS
from servewell.core.access import can


def person_learning(request: Any, person: Any) -> dict[str, Any] | None:
    """Shown to the person themselves and to those who read academy reports."""
    user = getattr(request, "user", None)
    if getattr(user, "pk", None) != person.pk and not can(user, ACADEMY_REPORTS):
        return None
    data = queries.person_learning(person)
    if not data["enrolments"] and not data["trained"]:
        return None
    return data
