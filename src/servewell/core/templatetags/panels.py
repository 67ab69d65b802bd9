"""``{% panels "contact" contact %}``: what other apps show on a page they do not own."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from servewell.core import contract
from servewell.core.access import can

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, slot: str, subject: Any) -> SafeString:
    """Each app's panel for this slot, in order, that the viewer may see and that has
    something to show; each renders its own template with its own context.

    The page's context processors (request, user, CSRF token, navigation) have already
    run for the page: each panel gets their output, not a fresh run of all of them per
    panel, and none of the page's own variables — a panel sees only what it returns."""
    request = context.get("request")
    user = getattr(request, "user", None)
    shared = _processed(context)
    html = []
    for panel in contract.panels(contract.Slot(slot)):
        if not can(user, panel.perm):
            continue
        data = panel.context(request, subject)
        if data is None:
            continue
        values = {**data, "panel": panel, "subject": subject, "user": user}
        if shared is None:
            html.append(render_to_string(panel.template, values, request=request))
            continue
        own = template.Context({**shared, **values}, autoescape=context.autoescape)
        html.append(get_template(panel.template).template.render(own))
    return mark_safe("".join(html))  # noqa: S308 - each part is a rendered template


def _processed(context: template.Context) -> dict[str, Any] | None:
    """What the page's context processors put in its context, or None when this is not
    a page rendered with a request (the panels then run them themselves)."""
    index = getattr(context, "_processors_index", None)
    if index is None or not isinstance(context, template.RequestContext):
        return None
    return dict(context.dicts[index])
