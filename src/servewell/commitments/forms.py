from __future__ import annotations

from django import forms

from servewell.commitments.models import Escalation, SlaPolicy, TeamCommitments
from servewell.commitments.policies import POLICY_FIELDS, SETTINGS_FIELDS


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = POLICY_FIELDS
        labels = {
            "first_response_minutes": "First response (business minutes)",
            "next_response_minutes": "Next response (business minutes)",
            "resolution_minutes": "Resolution (business minutes)",
            "warn_fraction": "Warn at (share of the target, e.g. 0.75)",
        }


class EscalationForm(forms.ModelForm):
    kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any target"),
            ("first_response", "First response"),
            ("next_response", "Next response"),
            ("resolution", "Resolution"),
        ],
    )

    class Meta:
        model = Escalation
        fields = ["trigger", "kind", "action", "team", "url"]


class TeamCommitmentsForm(forms.ModelForm):
    class Meta:
        model = TeamCommitments
        fields = SETTINGS_FIELDS
        labels = {
            "ack_enabled": "Acknowledge new requests at once",
            "ack_subject": "Acknowledgement subject",
            "ack_body": "Acknowledgement text",
            "apology": "Our apology when we answer late",
            "public_page": "Publish our responsiveness on a public page",
            "digest_enabled": "Send the daily aging digest to our leads",
        }
        help_texts = {
            "ack_body": "Placeholders: {first_name}, {reference}, {subject}, {team}, {answer_by}."
        }
