"""Forms of the goodwill pages; the domain functions check again what matters."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from servewell.core import refcache
from servewell.core.errors import DomainError
from servewell.core.forms import ModelChoiceField
from servewell.goodwill.actions import LIMIT_ROLES, MAX_AMOUNT
from servewell.goodwill.models import Action, Kind, Reaction
from servewell.people.models import Team


def put_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _money(label: str, *, required: bool = True, zero: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0) if zero else Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )


#: The active goodwill actions as (id, name) choices, kept per process (``refcache``).
ACTIVE_ACTIONS = refcache.kind("goodwill.actions", Action)


class GrantForm(forms.Form):
    action = ModelChoiceField(queryset=Action.objects.none(), empty_label=None)
    amount = _money("Amount", required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        field.queryset = Action.objects.filter(is_active=True)
        # Shown on every conversation page: the choices kept per process; the chosen
        # action is still read from the database when the form is checked.
        field.widget.choices = refcache.get(
            ACTIVE_ACTIONS,
            None,
            lambda: [(a.pk, field.label_from_instance(a)) for a in field.queryset],
        )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action is not None and action.has_amount and data.get("amount") is None:
            if "amount" not in self.errors:
                self.add_error("amount", f"Give the amount in {action.currency}.")
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ActionForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=Kind.choices)
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    has_amount = forms.BooleanField(required=False, initial=True, label="Carries an amount")


class LimitForm(forms.Form):
    action = forms.ModelChoiceField(queryset=Action.objects.all(), empty_label=None)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in LIMIT_ROLES])
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(is_active=True),
        required=False,
        empty_label="Every team",
        help_text="A team's limit overrides the general one for its members.",
    )
    per_action = _money("Per grant", zero=True)
    per_person_month = _money("Per person per calendar month", zero=True)
    per_customer_30d = _money("Per customer, rolling 30 days", zero=True)


class StoryForm(forms.Form):
    title = forms.CharField(max_length=200)
    happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    choice = forms.CharField(
        label="What you chose", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    outcome = forms.CharField(
        label="The outcome", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    conversation = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**62,
        help_text="Optional: the conversation's number.",
    )
    grant = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**62,
        help_text="Optional: the goodwill grant's number.",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)
