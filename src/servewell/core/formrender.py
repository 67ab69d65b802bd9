"""Form widgets rendered in Python, the same HTML Django's widget templates produce.

Django renders every widget through the template engine, and a select renders one more
template per option. The conversation page carries several forms (status, priority,
team, assignee, the reply composer, goodwill, merge, calls): under load, a quarter of its
time went to widget templates, most of it to ``<option>`` lines. Inputs, text areas and
selects, radio and checkbox lists with the standard option templates are written here
directly; anything else (a custom widget template, the form layouts) still goes to the
templates.
``core/tests/test_formrender.py`` holds both ways to the same output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize

from servewell.core.htmltext import escaped as conditional_escape

WIDGETS = "django/forms/widgets/"
OPTION = WIDGETS + "select_option.html"
CHOICE_OPTIONS = (WIDGETS + "radio_option.html", WIDGETS + "checkbox_option.html")


def _shown(value: Any) -> str:
    """``{{ value }}`` in a template: localised, then escaped unless already safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    text = _shown(value) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text}</textarea>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None  # a custom option template: let the template engine do it
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _choice(option: dict[str, Any]) -> str:
    """``radio_option.html`` (or ``checkbox_option.html``) with the line ends that its
    includes leave: the input, in its label when the option wraps it."""
    html = _input(option) + "\n"
    if option.get("wrap_label"):
        target = option["attrs"].get("id")
        opening = f'<label for="{conditional_escape(target)}">' if target else "<label>"
        html = f"{opening}{html} {_shown(option['label'])}</label>"
    return html + "\n\n"


def _choices(widget: dict[str, Any]) -> str | None:
    """``multiple_input.html``: radio buttons or checkboxes, one ``<div>`` each."""
    attrs = widget["attrs"]
    own_id = f' id="{conditional_escape(attrs["id"])}"' if attrs.get("id") else ""
    css = f' class="{conditional_escape(attrs["class"])}"' if attrs.get("class") else ""
    parts = [f"<div{own_id}{css}>"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{_shown(group_name)}</label>")
        for option in options:
            if option["template_name"] not in CHOICE_OPTIONS:
                return None  # a custom option template: let the template engine do it
            parts.append(f"<div>\n    {_choice(option)}</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


BUILDERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{
        WIDGETS + f"{kind}.html": _input
        for kind in (
            "input",
            "text",
            "hidden",
            "email",
            "number",
            "password",
            "url",
            "search",
            "tel",
            "date",
            "datetime",
            "time",
            "color",
            "checkbox",
        )
    },  # fmt: skip
    WIDGETS + "textarea.html": _textarea,
    WIDGETS + "select.html": _select,
    WIDGETS + "radio.html": _choices,
    WIDGETS + "checkbox_select.html": _choices,
    # one option on its own, as ``{% for radio in form.kind %}{{ radio.tag }}`` writes it
    **{name: lambda option: _choice(option).strip() for name in CHOICE_OPTIONS},
}


class QuickWidgetRenderer(DjangoTemplates):
    """``FORM_RENDERER``: the common widgets in Python, everything else as Django does."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = BUILDERS.get(template_name)
        if build is not None and "widget" in context:
            html = build(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)
