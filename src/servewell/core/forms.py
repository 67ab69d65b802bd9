from __future__ import annotations

from django import forms

from servewell.core import events


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=120)
    url = forms.URLField(
        max_length=500,
        label="Address",
        assume_scheme="https",
        help_text="We POST signed JSON here.",
    )
    events = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked means every event.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = sorted(
            (name, f"{name} — {text}") for name, text in events.CATALOGUE.items()
        )


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, minus its server error on an id no 64-bit
    column can hold (SQLite raises OverflowError where "abc" gets a form error)."""

    def _check_values(self, value):
        from servewell.core.ids import parse_id

        for item in value:
            if parse_id(item) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(item)[:20]},
                )  # fmt: skip
        return super()._check_values(value)
