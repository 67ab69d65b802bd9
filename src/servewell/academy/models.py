"""Courses and their versions, cohorts, teach-back reports and the trainer cascade.

A published course version is frozen, as a quality scorecard's is: a cohort points at the
version it started with, so editing a course drafts its next version (lessons keep their
``key`` across versions) and cohorts already running keep theirs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

USER = settings.AUTH_USER_MODEL
MAX_REACHED = 10_000


class Course(models.Model):
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CourseVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    community_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="academy_version_number"),
            models.UniqueConstraint(
                fields=["course"], condition=Q(state="draft"), name="academy_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


class Lesson(models.Model):
    class Community(models.TextChoices):
        VARIANT = "variant", "Community variant"
        WORK_ONLY = "work_only", "Work only"

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="lessons")
    key = models.CharField(max_length=12)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    community = models.CharField(
        max_length=10, choices=Community.choices, default=Community.WORK_ONLY
    )
    community_body = models.TextField(blank=True, help_text="Markdown, for the course book.")
    pass_mark = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Percent of quiz questions right; empty: no quiz."
    )
    max_attempts = models.PositiveSmallIntegerField(default=3)
    stories = models.ManyToManyField("goodwill.Story", blank=True, related_name="+")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="academy_lesson_key"),
            models.CheckConstraint(
                condition=Q(pass_mark__isnull=True) | Q(pass_mark__lte=100),
                name="academy_pass_mark_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_quiz(self) -> bool:
        return self.pass_mark is not None


class Reflection(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="reflections")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["lesson", "position"]

    def __str__(self) -> str:
        return self.text


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)

    class Meta:
        ordering = ["lesson", "position"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=300)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position"]

    def __str__(self) -> str:
        return self.text


class Cohort(models.Model):
    """A course run by a trainer for some learners, on the version it started with."""

    name = models.CharField(max_length=200)
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="cohorts")
    trainer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="cohorts_run")
    created_at = models.DateTimeField()
    teachback_due = models.DateField()
    min_attendance = models.PositiveSmallIntegerField(default=75, help_text="Percent.")
    require_quiz = models.BooleanField(default=True)
    require_teachback = models.BooleanField(default=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance__lte=100), name="academy_attendance_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    learner = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cohort", "learner__display_name", "learner__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner"], name="academy_enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.cohort}"


class Session(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    topic = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["cohort", "starts_at", "id"]

    def __str__(self) -> str:
        return self.topic or f"Session {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="academy_attendance_once")
        ]


class Progress(models.Model):
    """A lesson a learner has worked through."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="academy_progress_once")
        ]


class ReflectionAnswer(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="answers")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "reflection"], name="academy_reflection_answer"
            )
        ]


class QuizAttempt(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    score = models.FloatField(help_text="Percent of questions right.")
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)  # question id -> chosen choice ids
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["enrolment", "lesson", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "number"], name="academy_attempt_number"
            )
        ]


class TeachBack(models.Model):
    """A graduate's assignment to teach the principles outside work, and their report."""

    class Setting(models.TextChoices):
        HOME = "home", "Home"
        COMMUNITY = "community", "Community group"
        SCHOOL = "school", "School"
        FAITH = "faith", "Faith group"
        SPORTS = "sports", "Sports club"
        WORKPLACE = "workplace", "Workplace outside"
        OTHER = "other", "Other"

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="teachback")
    due_on = models.DateField()
    taught_on = models.DateField(null=True, blank=True)
    setting = models.CharField(max_length=10, choices=Setting.choices, blank=True)
    people_reached = models.PositiveIntegerField(null=True, blank=True)
    what_happened = models.TextField(blank=True)
    reflection = models.TextField(blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    trainer_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["filed_at", "due_on"], name="academy_tb_due"),
            # Reach sums filed reports per enrolment from the index alone.
            models.Index(
                fields=["enrolment", "filed_at", "people_reached"], name="academy_tb_reach"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_reached__isnull=True)
                | Q(people_reached__gte=1, people_reached__lte=MAX_REACHED),
                name="academy_reached_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Teach-back of {self.enrolment.learner}"

    @property
    def is_filed(self) -> bool:
        return self.filed_at is not None


class TeachBackComment(models.Model):
    teachback = models.ForeignKey(TeachBack, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["teachback", "created_at", "id"]


class TrainingEdge(models.Model):
    """Trainer → trainee: the trainee completed a cohort the trainer ran. The cascade is
    the graph of these edges; it never has a cycle (refused when an edge is added)."""

    trainer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="trainee_edges")
    trainee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="trainer_edges")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trainer", "trainee"], name="academy_edge_unique"),
            models.CheckConstraint(
                condition=~Q(trainer=F("trainee")), name="academy_edge_not_self"
            ),
        ]
        indexes = [models.Index(fields=["trainee", "trainer"], name="academy_edge_up")]


class TrainingPath(models.Model):
    """The cascade's closure: one row for each person below another, with the shortest
    (``nearest``) and the longest (``farthest``) chain between them. Kept by
    ``cascade.add_edge`` in the transaction that adds the edge, so the reach of a subtree
    is one indexed aggregate instead of a walk of the whole tree."""

    # No single-column indexes: the two below lead with each key (a million rows at scale).
    ancestor = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    descendant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    nearest = models.PositiveSmallIntegerField()
    farthest = models.PositiveSmallIntegerField()
    # The descendant's own filed teach-back reports and the people they reached, copied
    # here (kept by ``teachback.file_report``) so reach sums one index range, not a join
    # per person below.
    reports = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # (descendant, ancestor): also the index that finds everyone above a person.
            models.UniqueConstraint(fields=["descendant", "ancestor"], name="academy_path_unique"),
        ]
        indexes = [
            # Covers reach, generations and drawing: everything below, by generation.
            models.Index(
                fields=["ancestor", "nearest", "farthest", "descendant", "reports", "reached"],
                name="academy_path_reach",
            ),
        ]


class Endorsement(models.Model):
    """A graduate endorsed as a trainer by a trainer who did not train them."""

    class Observed(models.TextChoices):
        TEACHBACK = "teachback", "A teach-back"
        PRACTICE = "practice", "A practice session"

    trainee = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="endorsement")
    endorser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="endorsements_given")
    observed = models.CharField(max_length=10, choices=Observed.choices)
    teachback = models.ForeignKey(
        TeachBack, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(trainee=F("endorser")), name="academy_endorse_not_self"
            ),
        ]
