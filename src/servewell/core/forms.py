from __future__ import annotations

from django import forms
from django.utils.choices import BaseChoiceIterator

from servewell.core import events


class ListedOnce(BaseChoiceIterator):
    """A choice list read from its source on first use and kept: Django's select both
    peeks at a required field's first choice and lists them all, which is two queries
    for one rendered ``ModelChoiceField``."""

    def __init__(self, choices: object) -> None:
        self._source = choices
        self._rows: list | None = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self._rows is None:
            self._rows = list(iter(self._source))  # type: ignore[call-overload]  # no len(): a COUNT
        return iter(self._rows)


class FetchedChoices(forms.models.ModelChoiceIterator):
    """The rows in one plain query. Django's iterator streams them with ``.iterator()``,
    which on PostgreSQL opens a server-side cursor (DECLARE, FETCH and CLOSE, three round
    trips and a cursor held to the end of the transaction) for a list of a few dozen."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` whose choices cost one query per form, not one per
    look (see ``ListedOnce``) nor a cursor (see ``FetchedChoices``); validation still
    asks the queryset."""

    iterator = FetchedChoices

    def _set_queryset(self, queryset):  # type: ignore[no-untyped-def]
        super()._set_queryset(queryset)
        self.widget.choices = ListedOnce(self.choices)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)


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
