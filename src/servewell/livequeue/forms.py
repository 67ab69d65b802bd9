from __future__ import annotations

from django import forms

from servewell.core.ids import MAX_ID
from servewell.livequeue.models import RuleKind, ShortAbandonRule
from servewell.people.models import Presence


class AlarmRuleForm(forms.Form):
    kind = forms.ChoiceField(choices=RuleKind.choices, label="Raise when")
    threshold = forms.FloatField(
        min_value=0, label="Trips at", help_text="Calls, seconds, or a service level in %."
    )
    clear_threshold = forms.FloatField(
        min_value=0,
        label="Clears at",
        help_text="Below the trip level for calls and seconds, above it for service level.",
    )
    notify_org = forms.BooleanField(required=False, label="Alert the whole organisation")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")


class QueueSettingsForm(forms.Form):
    service_level_seconds = forms.IntegerField(
        min_value=1, max_value=3600, label="Answered within (seconds)"
    )
    service_level_target_pct = forms.IntegerField(
        min_value=1, max_value=100, label="Service level target (%)"
    )
    short_abandon_seconds = forms.IntegerField(
        min_value=0, max_value=600, label="Short abandon: hung up within (seconds)"
    )
    short_abandon_rule = forms.ChoiceField(
        choices=ShortAbandonRule.choices, label="Short abandons in the service level"
    )


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(choices=Presence.choices)


class PeriodForm(forms.Form):
    team = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
