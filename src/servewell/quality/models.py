"""Quality: scorecards, reviews, sampling, disputes, calibration and coaching.

Rows change only through the domain modules (``scorecards.py``, ``reviews.py``,
``sampling.py``, ``disputes.py``, ``calibration.py``, ``coaching.py``), never through
``save()`` overrides or signals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class Scale(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    ONE_TO_FIVE = "one_to_five", "1 to 5"


class Scorecard(models.Model):
    """A named scorecard; what it asks lives in its versions."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """One edition of a scorecard. A published version never changes again: every review
    keeps the version it used, so editing a scorecard means drafting the next version."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="qa_version_number"),
            models.UniqueConstraint(
                fields=["scorecard"], condition=Q(state="draft"), name="qa_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class Section(models.Model):
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One question of a scorecard version.

    ``key`` is shared by the copies of a criterion in later versions, so reports can follow
    "the same question" across versions.
    """

    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="criteria")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    scale = models.CharField(max_length=12, choices=Scale.choices, default=Scale.YES_NO)
    na_allowed = models.BooleanField(default=False)
    critical = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section__position", "section_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="qa_criterion_key"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="qa_weight_range"),
        ]

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    """A reviewer's scoring of one conversation for the person who handled it.

    ``revision`` is the current set of answers; a dispute that changes the score writes a
    new revision and the older answers stay. ``quarter`` (year * 10 + quarter, UTC) and
    ``team`` (the conversation's team when reviewed) are fixed at submission so the
    reports group by plain columns.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="quality_reviews"
    )
    reviewee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="reviews_received")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="reviews_given")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="reviews")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    is_self_review = models.BooleanField(default=False)
    calibration = models.ForeignKey(
        "CalibrationSession",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    comment = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True, help_text="0-100; empty when all N/A.")
    revision = models.PositiveSmallIntegerField(default=1)
    quarter = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reviewee", "state", "submitted_at"], name="qa_review_reviewee"),
            models.Index(fields=["reviewer", "state", "created_at"], name="qa_review_reviewer"),
            models.Index(fields=["state", "quarter", "team"], name="qa_review_quarter"),
            models.Index(fields=["state", "submitted_at"], name="qa_review_submitted"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["calibration", "reviewer"],
                condition=Q(calibration__isnull=False),
                name="qa_one_calibration_score",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of #{self.conversation_id} for {self.reviewee}"

    @property
    def counts(self) -> bool:
        """Counted in IQS and reports: submitted, by someone else, not a calibration."""
        return (
            self.state == self.State.SUBMITTED
            and not self.is_self_review
            and self.calibration_id is None
        )


class Answer(models.Model):
    """One criterion's answer in one revision of a review.

    ``value``: 1/0 for yes/no, 1-5 on the five-point scale, empty for N/A. ``points`` is
    the same answer on 0..1 (``scoring.points``), stored so reports average it in SQL.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    revision = models.PositiveSmallIntegerField(default=1)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    points = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__section__position", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion", "revision"], name="qa_answer_unique"
            ),
        ]
        indexes = [models.Index(fields=["criterion", "review"], name="qa_answer_criterion")]

    @property
    def is_na(self) -> bool:
        return self.value is None


class QuarterTotal(models.Model):
    """Running totals of counted reviews per quarter, team and person, by ``kind``:

    - ``person``: the person reviewed — ``count`` reviews, ``total`` of their scores;
    - ``band``: the same, per score band (``key`` "0".."10": 0-9 … 90-99, 100);
    - ``reviewer``: the person who reviewed — reviews given and the sum of their scores;
    - ``criterion``: the person reviewed, per criterion (``key`` "<scorecard>:<criterion
      key>") — answers other than N/A and the sum of their points (0..1).

    Kept in the same transaction as every submission and score change (``rollup.py``),
    so the reports group a few thousand rows instead of every review and answer.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "Person reviewed"
        BAND = "band", "Score band"
        REVIEWER = "reviewer", "Reviewer"
        CRITERION = "criterion", "Criterion"

    quarter = models.PositiveIntegerField()
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=60, blank=True)
    count = models.IntegerField(default=0)
    total = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "kind", "team", "person", "key"], name="qa_total_unique"
            ),
        ]


class SamplingPlan(models.Model):
    """What the weekly sampling picks: N conversations per person, with filters."""

    name = models.CharField(max_length=120, unique=True)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="plans")
    per_person = models.PositiveSmallIntegerField(default=3)
    channels = models.JSONField(default=list, blank=True, help_text="Empty: every channel.")
    low_rating_max = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Only conversations rated at most this (1-5)."
    )
    min_handling_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Only conversations open longer than this."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SamplingRun(models.Model):
    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    started_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    people = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]


class ReviewAssignment(models.Model):
    """A conversation put in a reviewer's queue by sampling."""

    class State(models.TextChoices):
        PENDING = "pending", "To do"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    run = models.ForeignKey(SamplingRun, on_delete=models.CASCADE, related_name="assignments")
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="quality_assignments"
    )
    reviewee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_queue")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    review = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignment"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["reviewer", "state"], name="qa_assign_reviewer"),
            models.Index(fields=["conversation"], name="qa_assign_conversation"),
        ]


class Dispute(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld (score kept)"
        CHANGED = "changed", "Score changed"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(state="open"), name="qa_one_open_dispute"
            ),
        ]


class DisputeEvent(models.Model):
    """The history of a dispute: opened, upheld, changed (with the scores before and after)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class CalibrationSession(models.Model):
    """Several reviewers score the same conversation blind, then compare."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reviewers = models.ManyToManyField(USER, related_name="calibration_sessions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CoachingSession(models.Model):
    lead = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="coaching_given")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="coaching_received")
    date = models.DateField()
    notes = models.TextField(blank=True)
    reviews = models.ManyToManyField(Review, blank=True, related_name="coaching_sessions")
    focus = models.ManyToManyField(Criterion, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    follow_up_notes = models.TextField(blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"], name="qa_coaching_person")]


class ActionItem(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Not done"

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(max_length=300)
    due = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        ordering = ["due", "id"]
