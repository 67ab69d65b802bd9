"""``{% form_fields form %}``: ``core/form_fields.html`` for a form, its HTML kept per
process where the form is the same for everyone.

Why: the conversation page carries forms that nobody has typed into yet and that differ
for no one (log a call, merge): each visit built them, rendered their fields through the
template engine and wrote the same HTML again. A form class that says so
(``same_for_everyone = True``: fixed fields and choices, nothing read per request) is
rendered once per initial value; a bound form (the user's input and its errors) is
always rendered anew.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

FIELDS = "core/form_fields.html"
#: At most this many kept renderings (a few forms, a few initial values each).
MAX_KEPT = 64

_kept: dict[tuple[Any, ...], SafeString] = {}


@register.simple_tag
def form_fields(form: forms.BaseForm) -> SafeString:
    """The same HTML as ``{% include "core/form_fields.html" with form=form %}``."""
    key = _key(form)
    if key is not None:
        found = _kept.get(key)
        if found is not None:
            return found
    html = mark_safe(get_template(FIELDS).render({"form": form}))  # noqa: S308 - a template's output
    if key is not None:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = html
    return html


def _key(form: forms.BaseForm) -> tuple[Any, ...] | None:
    if form.is_bound or not getattr(form, "same_for_everyone", False):
        return None
    try:
        initial = tuple(sorted(form.initial.items()))
        hash(initial)
    except TypeError:  # an initial value that is not hashable: render it each time
        return None
    return (type(form), form.prefix, form.auto_id, initial)
