"""The Privacy section of the contact page, shown only to those who may use it."""

from __future__ import annotations

from typing import Any

from django import template

from servewell.contacts.access import CONTACTS_PRIVACY
from servewell.core.access import can

register = template.Library()


@register.inclusion_tag("contacts/_contact_privacy.html", takes_context=True)
def contact_privacy(context: dict[str, Any], contact: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"contact": contact, "show": user is not None and can(user, CONTACTS_PRIVACY)}
