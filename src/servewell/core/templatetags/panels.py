"""``{% panels "contact" contact %}``: what other apps show on a page they do not own."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from servewell.core import contract
from servewell.core.access import can

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, slot: str, subject: Any) -> SafeString:
    """Each app's panel for this slot, in order, that the viewer may see and that has
    something to show; each renders its own template with its own context."""
    request = context.get("request")
    user = getattr(request, "user", None)
    html = []
    for panel in contract.panels(contract.Slot(slot)):
        if not can(user, panel.perm):
            continue
        data = panel.context(request, subject)
        if data is None:
            continue
        html.append(
            render_to_string(
                panel.template,
                {**data, "panel": panel, "subject": subject, "user": user},
                request=request,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - each part is a rendered template
