from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from servewell.core import contract
from servewell.core.access import can
from servewell.core.notifications import unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the signed-in person may open, for the base template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in contract.nav_items():
        if not can(user, item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "section": item.section,
                "active": request.path.startswith(url) and url != "/" or request.path == url,
            }
        )
    return {
        "nav_main": [i for i in items if i["section"] == "main"],
        "nav_admin": [i for i in items if i["section"] == "admin"],
        "shell_scripts": contract.scripts(),
        "unread_notifications": unread_count(user),
        "shell_styles": contract.styles(),
    }
