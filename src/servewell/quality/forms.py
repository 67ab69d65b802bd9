"""HTML forms: shape only. Meaning (what may be answered, who may do what) is checked by
the domain modules, whose ``DomainError`` views put back on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms

from servewell.core.errors import DomainError
from servewell.core.forms import IdsChoiceField
from servewell.core.ids import MAX_ID
from servewell.desk.models import Channel
from servewell.people.models import User
from servewell.quality.models import Criterion, Scale, Scorecard, ScorecardVersion
from servewell.quality.queries import published_versions

NA = "na"


def put_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SectionForm(forms.Form):
    title = forms.CharField(max_length=120, label="Section title")


class CriterionForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    weight = forms.IntegerField(min_value=0, max_value=100, initial=1)
    scale = forms.ChoiceField(choices=Scale.choices)
    na_allowed = forms.BooleanField(required=False, label="N/A allowed")
    critical = forms.BooleanField(
        required=False, label="Critical (failing it makes the whole review 0)"
    )


def choices_for(criterion: Criterion) -> list[tuple[str, str]]:
    if criterion.scale == Scale.YES_NO:
        choices = [("1", "Yes"), ("0", "No")]
    else:
        choices = [(str(v), str(v)) for v in range(1, 6)]
    return choices + ([(NA, "N/A")] if criterion.na_allowed else [])


class AnswersForm(forms.Form):
    """One radio group and one comment per criterion, plus an overall comment.

    Every answer is optional here (a draft may be half done); ``submit`` asks the domain,
    which refuses unanswered criteria naming them (``c<id>``)."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Overall comment"
    )

    def __init__(self, criteria: Iterable[Criterion], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"c{c.pk}"] = forms.ChoiceField(
                choices=choices_for(c), widget=forms.RadioSelect, required=False, label=c.title
            )
            self.fields[f"c{c.pk}_comment"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 1, "placeholder": "Comment (optional)"}),
                required=False,
                label="Comment",
            )

    def answers(self) -> dict[int, dict[str, Any]]:
        out = {}
        for c in self.criteria:
            raw = self.cleaned_data.get(f"c{c.pk}") or ""
            if raw == "":
                continue
            out[c.pk] = {
                "value": None if raw == NA else int(raw),
                "comment": self.cleaned_data.get(f"c{c.pk}_comment", ""),
            }
        return out

    def sections(self) -> list[dict]:
        """Bound fields grouped by section, for the template."""
        groups: dict[int, dict] = {}
        for c in self.criteria:
            group = groups.setdefault(c.section_id, {"title": c.section.title, "items": []})
            group["items"].append(
                {"criterion": c, "field": self[f"c{c.pk}"], "comment": self[f"c{c.pk}_comment"]}
            )
        return list(groups.values())


def initial_answers(answers: dict) -> dict[str, Any]:
    initial = {}
    for key, a in answers.items():
        initial[f"c{key}"] = NA if a.value is None else str(a.value)
        initial[f"c{key}_comment"] = a.comment
    return initial


class StartReviewForm(forms.Form):
    version = forms.ModelChoiceField(queryset=ScorecardVersion.objects.none(), label="Scorecard")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = published_versions()
        self.fields["version"].empty_label = None  # the first scorecard is the default


class DisputeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why do you disagree?")


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", "Uphold: keep the score"), ("change", "Change the answers below")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PlanForm(forms.Form):
    name = forms.CharField(max_length=120)
    scorecard = forms.ModelChoiceField(queryset=Scorecard.objects.filter(is_archived=False))
    per_person = forms.IntegerField(min_value=1, max_value=50, initial=3, label="Per person")
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every channel.",
    )
    low_rating_max = forms.IntegerField(
        min_value=1, max_value=5, required=False, label="Rated at most (1-5)"
    )
    min_handling_hours = forms.IntegerField(
        min_value=0, required=False, label="Open longer than (hours)"
    )


class CalibrationForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    conversation = forms.IntegerField(min_value=1, max_value=MAX_ID, label="Conversation number")
    version = forms.ModelChoiceField(queryset=ScorecardVersion.objects.none(), label="Scorecard")
    reviewers = IdsChoiceField(queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, reviewers=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = published_versions()
        self.fields["version"].empty_label = None  # the first scorecard is the default
        self.fields["reviewers"].queryset = (
            reviewers if reviewers is not None else User.objects.none()
        )


class CoachingForm(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.none())
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Action items",
        help_text="One a line: YYYY-MM-DD what to do",
    )

    def __init__(self, *args: Any, people=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else User.objects.none()

    def clean_items(self) -> list[dict[str, Any]]:
        items = []
        for line in self.cleaned_data["items"].splitlines():
            if not line.strip():
                continue
            day, _, text = line.strip().partition(" ")
            try:
                due = dt.date.fromisoformat(day)
            except ValueError:
                raise forms.ValidationError(f"Start each line with a date: {line!r}") from None
            items.append({"due": due, "text": text})
        return items


class ActionItemForm(forms.Form):
    text = forms.CharField(max_length=300)
    due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
