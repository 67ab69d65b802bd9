"""Goodwill: actions, per-role limits, grants and requests; daily-choice stories.

Rows change only through the domain modules (``actions.py``, ``grants.py``,
``requests.py``, ``stories.py``), never through ``save()`` overrides or signals.
Money is ``Decimal`` in ``DecimalField``s; currencies are ISO 4217 codes (``currencies.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}


class Kind(models.TextChoices):
    REFUND = "refund", "Refund"
    CREDIT = "credit", "Credit"
    FEE_WAIVER = "fee_waiver", "Fee waiver"
    UPGRADE = "upgrade", "Upgrade"
    REPLACEMENT = "replacement", "Replacement"
    OTHER = "other", "Other"


class Action(models.Model):
    """A kind of gesture an admin allows. Without an amount (an upgrade, a replacement)
    a grant counts as one unit, and the action's limits count grants instead of money."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    has_amount = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Limit(models.Model):
    """What a role may grant of one action without asking. A row with a team overrides
    the row without one for that team's members."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="limits")
    role = models.CharField(max_length=10)
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    per_action = models.DecimalField(**MONEY)
    per_person_month = models.DecimalField(**MONEY)
    per_customer_30d = models.DecimalField(**MONEY)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["action", "role", "team"]
        constraints = [
            models.UniqueConstraint(fields=["action", "role", "team"], name="gw_limit_role_team"),
            models.UniqueConstraint(
                fields=["action", "role"], condition=Q(team__isnull=True), name="gw_limit_role"
            ),
            models.CheckConstraint(
                condition=Q(per_action__gte=0, per_person_month__gte=0, per_customer_30d__gte=0),
                name="gw_limit_not_negative",
            ),
        ]


class Lock(models.Model):
    """One row per person and per contact that grants lock (``select_for_update``) while
    they re-check the limits, so two grants that together pass a limit cannot both pass."""

    scope = models.CharField(max_length=8)  # "person" or "contact"
    subject_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "subject_id"], name="gw_lock_subject")
        ]


class Status(models.TextChoices):
    GRANTED = "granted", "Granted on the spot"
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


#: Grants that took effect: they count against the limits and in the spend.
EFFECTIVE = (Status.GRANTED, Status.APPROVED)


class Grant(models.Model):
    """A gesture on a conversation: granted at once within the limits, otherwise a
    request that a lead of the team approves or declines by ``deadline``."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="grants")
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.PROTECT, related_name="goodwill_grants"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)  # the units for an action without an amount
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices)
    over = models.CharField(max_length=40, blank=True, help_text="Which limits it passed.")
    created_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_seconds = models.PositiveIntegerField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    came_back_at = models.DateTimeField(
        null=True, blank=True, help_text="The customer's next conversation within 90 days."
    )
    month = models.DateField(help_text="First day of the month it was asked in (report groups).")
    csat = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The conversation's latest CSAT rating (1-5), kept as ratings arrive.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="gw_grant_positive"),
        ]
        indexes = [
            # The limit sums read status and amount from the index alone (no row lookups).
            models.Index(
                fields=["requested_by", "action", "created_at", "status", "amount"],
                name="gw_grant_person_sum",
            ),
            models.Index(
                fields=["contact", "action", "created_at", "status", "amount"],
                name="gw_grant_contact_sum",
            ),
            # The report's scan of a period covers every column it groups and sums: one
            # index range, no row lookups, no per-row month arithmetic.
            models.Index(
                fields=[
                    "created_at",
                    "team",
                    "requested_by",
                    "action",
                    "currency",
                    "month",
                    "status",
                    "amount",
                    "came_back_at",
                    "csat",
                ],
                name="gw_grant_outcomes",
            ),  # fmt: skip
            models.Index(fields=["conversation"], name="gw_grant_conversation"),
            models.Index(fields=["deadline"], condition=Q(status="pending"), name="gw_grant_open"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.amount} {self.currency}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.PENDING


class IdempotencyKey(models.Model):
    """The first answer to an API create, kept per user and key so a retry gets it again."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="gw_idem_user_key")]


class Story(models.Model):
    """A moment of truth someone chose to write down: what happened, what they chose,
    and how it turned out. A featured story may be offered to the academy as case material."""

    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    happened = models.TextField()
    choice = models.TextField()
    outcome = models.TextField()
    conversation = models.ForeignKey(
        "desk.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grant = models.ForeignKey(
        Grant, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    created_at = models.DateTimeField()
    featured = models.BooleanField(default=False)
    featured_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_at = models.DateTimeField(null=True, blank=True)
    offered_to_academy = models.BooleanField(default=False)
    offered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "stories"
        constraints = [
            models.CheckConstraint(
                condition=Q(offered_to_academy=False) | Q(featured=True),
                name="gw_story_offer_featured",
            ),
        ]
        indexes = [models.Index(fields=["featured", "created_at"], name="gw_story_featured")]

    def __str__(self) -> str:
        return self.title


class Reaction(models.Model):
    class Kind(models.TextChoices):
        APPLAUD = "applaud", "Applaud"
        LEARNED = "learned", "Learned from it"
        WOULD_DO = "would_do", "I'd do the same"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user", "kind"], name="gw_reaction_once")
        ]


class Comment(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
