"""Forms of the desk pages: they check the shape of the input; the domain checks meaning."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from servewell.core.forms import ModelChoiceField
from servewell.core.ids import parse_id
from servewell.desk.calls import DIRECTIONS
from servewell.desk.models import Macro, Priority, Status
from servewell.people.models import Team

BLANK = [("", "—")]


class ReplyForm(forms.Form):
    KINDS = [("reply", "Reply to the customer"), ("note", "Internal note")]

    body_text = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
    kind = forms.ChoiceField(choices=KINDS, initial="reply", widget=forms.RadioSelect)
    status = forms.ChoiceField(
        label="Then set status",
        choices=[("", "Default (pending)")] + Status.choices,
        required=False,
    )
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    macro = forms.IntegerField(required=False, widget=forms.HiddenInput)
    cc = forms.CharField(
        label="CC", required=False, max_length=2000, help_text="Addresses, comma-separated"
    )
    bcc = forms.CharField(
        label="BCC", required=False, max_length=2000, help_text="Not shown to the customer"
    )
    no_signature = forms.BooleanField(label="Leave out my signature", required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        # Its own ids: the details form beside it has a "status" field too.
        kwargs.setdefault("auto_id", "reply_%s")
        super().__init__(*args, **kwargs)


class UpdateForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    team = ModelChoiceField(queryset=Team.objects.filter(is_active=True), empty_label=None)
    assignee = forms.TypedChoiceField(choices=BLANK, required=False, coerce=int, empty_value=None)
    tags = forms.CharField(
        required=False, max_length=600, help_text="Comma-separated, e.g. refund, kettle"
    )

    def __init__(
        self,
        *args: Any,
        assignees: list[tuple[int, str]] = (),  # type: ignore[assignment]
        teams: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ):
        """``assignees``: the team's assignable people as choices
        (``assignment.assignable_choices``); ``teams``: the team select's choices as
        shown (``teams.active_team_choices``); validation still reads the database."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Unassigned"), *assignees]
        if teams is not None:
            self.fields["team"].widget.choices = teams

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]


class MergeForm(forms.Form):
    same_for_everyone = True  # core.templatetags.forms_kept

    target = forms.CharField(
        label="Merge into conversation", max_length=20, help_text="Its reference, e.g. #1234"
    )

    def clean_target(self) -> int:
        pk = parse_id(self.cleaned_data["target"].strip().lstrip("#"))
        if pk is None:
            raise forms.ValidationError("Enter a reference like #1234.")
        return pk


class SplitForm(forms.Form):
    subject = forms.CharField(max_length=300, required=False)


def parse_duration(text: str) -> int:
    """'5:30', '330', '5m 30s' or '5m' → seconds."""
    text = (text or "").strip().lower()
    if re.fullmatch(r"\d+", text):
        return int(text)
    match = re.fullmatch(r"(\d+):([0-5]?\d)", text)
    if match:
        return int(match[1]) * 60 + int(match[2])
    match = re.fullmatch(r"(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s(?:ec)?)?", text)
    if match and (match[1] or match[2]):
        return int(match[1] or 0) * 60 + int(match[2] or 0)
    raise forms.ValidationError("Enter the length like 5:30 (minutes:seconds).")


class CallForm(forms.Form):
    same_for_everyone = True  # core.templatetags.forms_kept

    duration = forms.CharField(max_length=20, help_text="Minutes:seconds, e.g. 5:30")
    direction = forms.ChoiceField(choices=[(d, d.title()) for d in DIRECTIONS])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_duration(self) -> int:
        return parse_duration(self.cleaned_data["duration"])


class WebRequestForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(max_length=254, label="Your email address")
    team = forms.TypedChoiceField(coerce=int, label="What is it about?")
    subject = forms.CharField(max_length=300)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    # The honeypot: hidden from people by CSS, filled in by form-filling robots.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ["name", "body", "team", "set_status", "add_tags"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Placeholders: {{ contact.first_name }}, {{ contact.name }}, "
            "{{ agent.name }}, {{ agent.first_name }}, {{ conversation.reference }}, "
            "{{ conversation.subject }}, {{ team.name }}",
        }


class TeamSettingsForm(forms.Form):
    round_robin = forms.BooleanField(
        required=False, label="Assign new conversations in turn among available members"
    )
    public_form = forms.BooleanField(required=False, label="Offer this team on the request form")


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    organisation = forms.CharField(max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ContactAddForm(forms.Form):
    kind = forms.ChoiceField(choices=[("email", "Email address"), ("phone", "Phone number")])
    value = forms.CharField(max_length=254, label="Address or number")


class ContactMergeForm(forms.Form):
    target = forms.IntegerField(
        label="Merge into contact number", help_text="The contact that stays", min_value=1
    )


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=80, label="Save these filters as")


class ForwardForm(forms.Form):
    to = forms.CharField(label="Forward to", max_length=2000, help_text="Email address")
    note = forms.CharField(
        label="Covering note", required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class BulkForm(forms.Form):
    """The inbox's bulk bar: the selected rows as 'id:version', the action and its value."""

    ids = forms.CharField(required=False)
    action = forms.CharField(max_length=20)
    assignee = forms.CharField(required=False, max_length=20)
    status = forms.CharField(required=False, max_length=20)
    priority = forms.CharField(required=False, max_length=20)
    tag = forms.CharField(required=False, max_length=60)
    target = forms.CharField(required=False, max_length=20)
