from __future__ import annotations

import zoneinfo

from django import forms

from servewell.people.models import Presence, Role

TIME_ZONES = sorted(zoneinfo.available_timezones())


class PersonForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    display_name = forms.CharField(max_length=150, required=False, label="Display name")
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], initial="UTC")
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["username"].disabled = True
            self.fields["username"].required = False


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)
    email = forms.EmailField(required=False, help_text="The address customers write to.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Person")
    is_lead = forms.BooleanField(required=False, label="Team lead")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class CalendarForm(forms.Form):
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES])
    holiday_country = forms.CharField(
        max_length=2, required=False, help_text="ISO country code for public holidays, e.g. DE."
    )
    holiday_subdivision = forms.CharField(
        max_length=10, required=False, help_text="Region code, e.g. BY."
    )
    hours = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="One line per day: 'Mon 09:00-12:00, 13:00-17:00'. "
        "A closing time before the opening time runs past midnight.",
    )


class ClosedDayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, required=False)


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(choices=Presence.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. 'nightly export'.")


class SignatureForm(forms.Form):
    signature = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=1000,
        help_text="Plain text, added under your public replies unless you leave it out.",
    )
