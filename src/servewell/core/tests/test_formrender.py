"""The Python-built widgets write exactly what Django's widget templates write."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from servewell.core.formrender import QuickWidgetRenderer


class Everything(forms.Form):
    name = forms.CharField(
        max_length=20,
        help_text="x",
        widget=forms.TextInput(
            attrs={"placeholder": 'Say "hi" <b>', "autofocus": True, "data-x": False}
        ),
    )
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    email = forms.EmailField(required=False)
    number = forms.DecimalField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    url = forms.URLField(required=False, assume_scheme="https")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    agree = forms.BooleanField(required=False)
    status = forms.ChoiceField(choices=[("open", "Open & <new>"), ("pending", "Pending")])
    grouped = forms.ChoiceField(
        required=False,
        choices=[("", "—"), ("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Carrot")],
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, 2), (3, mark_safe("<i>3</i>"))])
    direction = forms.ChoiceField(
        choices=[("in", "Inbound <call>"), ("out", "Outbound")], widget=forms.RadioSelect
    )
    channels = forms.MultipleChoiceField(
        required=False,
        choices=[("Spoken", [("phone", "Phone")]), ("mail", "Mail & web")],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "picks <x>"}),
    )
    plain = forms.ChoiceField(
        required=False, choices=[("a", "A")], widget=forms.RadioSelect(attrs={"id": ""})
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "name": 'Ann "A" <x>', "secret": "p&w", "hidden": "7", "email": "a@b.c",
            "number": "1.5", "when": "2026-12-04", "url": "example.com/?a=1&b=2",
            "body": "line 1\n<script>alert(1)</script>", "agree": "on", "status": "pending",
            "grouped": "b", "many": ["1", "3"], "direction": "out",
            "channels": ["phone", "mail"], "plain": "a",
        },
        {"name": "", "body": "", "status": "nope", "many": ["9"]},
    ],
)  # fmt: skip
def test_every_widget_matches_the_templates(data):
    initial = {"hidden": 3, "when": datetime.date(2026, 1, 2), "status": "open"}
    template_form = Everything(data, initial=initial, renderer=DjangoTemplates())
    quick_form = Everything(data, initial=initial, renderer=QuickWidgetRenderer())
    for name in Everything.base_fields:
        assert str(quick_form[name]) == str(template_form[name]), name
        for quick, reference in zip(quick_form[name], template_form[name], strict=True):
            assert quick.tag() == reference.tag(), name  # one option on its own
            assert quick.tag(wrap_label=True) == reference.tag(wrap_label=True), name
    # The layouts (labels, errors, help) still come from the templates, with our widgets.
    assert str(quick_form) == str(template_form)


def test_a_custom_option_template_is_left_to_the_template_engine():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    field = forms.ChoiceField(choices=[("a", "A")], widget=Fancy)
    form = forms.Form(renderer=QuickWidgetRenderer())
    form.fields["x"] = field
    reference = forms.Form(renderer=DjangoTemplates())
    reference.fields["x"] = field
    assert str(form["x"]) == str(reference["x"])
    assert "<label><input" in str(form["x"])  # the custom template's markup
