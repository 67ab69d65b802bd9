"""Forms of the academy's screens: they parse; the domain modules decide."""

from __future__ import annotations

from django import forms

from servewell.academy.models import Endorsement, Lesson, Question, TeachBack
from servewell.core.errors import DomainError


def put_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class LessonForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Lesson (Markdown)", widget=forms.Textarea(attrs={"rows": 12}), max_length=100_000
    )
    community = forms.ChoiceField(
        label="Community edition", choices=Lesson.Community.choices, initial="work_only"
    )
    community_body = forms.CharField(
        label="Community variant (Markdown)",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=100_000,
    )
    reflections = forms.CharField(
        label="Reflection questions (one per line)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    pass_mark = forms.IntegerField(
        label="Quiz pass mark (%)", min_value=0, max_value=100, required=False,
        help_text="Empty: the lesson has no quiz.",
    )  # fmt: skip
    max_attempts = forms.IntegerField(label="Quiz attempts", min_value=1, max_value=10, initial=3)

    def lesson_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["reflections"] = data["reflections"].splitlines()
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=500)
    kind = forms.ChoiceField(choices=Question.Kind.choices)
    choices = forms.CharField(
        label="Choices (one per line; start the right ones with *)",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def parsed_choices(self) -> list[tuple[str, bool]]:
        out = []
        for line in self.cleaned_data["choices"].splitlines():
            line = line.strip()
            if line:
                out.append((line.lstrip("*").strip(), line.startswith("*")))
        return out


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200)
    version = forms.TypedChoiceField(label="Course", coerce=int, choices=())
    teachback_due = forms.DateField(
        label="Teach-back due", widget=forms.DateInput(attrs={"type": "date"})
    )
    min_attendance = forms.IntegerField(
        label="Attendance needed (%)", min_value=0, max_value=100, initial=75
    )
    require_quiz = forms.BooleanField(label="Quizzes must be passed", required=False, initial=True)
    require_teachback = forms.BooleanField(
        label="Teach-back must be filed", required=False, initial=True
    )

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v.pk, f"{v.course} (v{v.number})") for v in versions]


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    topic = forms.CharField(max_length=200, required=False)


class TeachBackForm(forms.Form):
    taught_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    setting = forms.ChoiceField(choices=TeachBack.Setting.choices)
    people_reached = forms.IntegerField(label="People reached", min_value=1, max_value=10_000)
    what_happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )
    reflection = forms.CharField(
        label="Your reflection", widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=20_000,
    )  # fmt: skip


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class EndorseForm(forms.Form):
    observed = forms.ChoiceField(label="You observed", choices=Endorsement.Observed.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
