"""Commitments: SLA policies per team and priority, their clocks, and team settings."""

from __future__ import annotations

from django.db import models

from servewell.desk.models import Priority


class SlaPolicy(models.Model):
    """Targets in business minutes for one team and priority (empty: no target)."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="sla_policies")
    priority = models.CharField(max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    warn_fraction = models.FloatField(default=0.75, help_text="Warn when this share is used.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["team", "priority"], name="sla_policy_unique"),
            models.CheckConstraint(
                condition=models.Q(warn_fraction__gt=0, warn_fraction__lt=1),
                name="sla_warn_fraction_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_priority_display()}"

    def target_minutes(self, kind: str) -> int | None:
        return getattr(self, f"{kind}_minutes")


class Escalation(models.Model):
    """What happens at a warning or a breach of a policy's targets."""

    class Trigger(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    class Action(models.TextChoices):
        NOTIFY = "notify", "Notify the assignee and team leads"
        RAISE_PRIORITY = "raise_priority", "Raise priority one step"
        REASSIGN = "reassign", "Reassign to a team"
        WEBHOOK = "webhook", "Call a webhook"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    kind = models.CharField(
        max_length=16,
        blank=True,
        help_text="first_response, next_response, resolution; empty: any.",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For reassign.",
    )
    url = models.URLField(blank=True, help_text="For webhook.")

    class Meta:
        ordering = ["policy", "trigger", "id"]


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    CANCELLED = "cancelled", "Cancelled"


#: Unmet clocks that are, or may be, past their target: every running one, and the
#: paused ones whose breach was recorded or whose business time was used up. Spelled
#: with ``=`` and ``OR``, not ``state IN (…)``: SQLite matches a partial index's
#: condition against a query's bound parameters for those, never for an IN list.
UNMET_LATE = models.Q(state=ClockState.RUNNING) | models.Q(
    models.Q(breached_at__isnull=False) | models.Q(remaining_seconds__lte=0),
    state=ClockState.PAUSED,
)


class SlaClock(models.Model):
    """One target on one conversation. Due and warning instants are stored, so the sweep
    is an index range scan over running clocks, never a recomputation of every clock."""

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="sla_clocks"
    )
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    target_seconds = models.PositiveIntegerField()
    warn_fraction = models.FloatField(default=0.75)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.FloatField(
        null=True, blank=True, help_text="Business seconds left, while paused."
    )
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    business_seconds_taken = models.FloatField(null=True, blank=True)
    responder = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="sla_due_running",
                condition=models.Q(state="running", breached_at=None),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_warn_running",
                condition=models.Q(state="running", warned_at=None),
            ),
            # The inbox's "Breached" view walks this in (due_at, id) order from the most
            # overdue: unmet clocks that are running, or paused with their time used up.
            # A paused clock keeps a stale due instant, and those still in time are left
            # out so that the walk does not step over them (inbox.breached repeats this
            # condition word for word, which SQLite needs to use a partial index).
            models.Index(
                fields=["due_at", "id"],
                name="sla_unmet_due",
                condition=UNMET_LATE,
            ),
            models.Index(fields=["conversation", "kind"], name="sla_conv_kind"),
            models.Index(fields=["team", "kind", "met_at"], name="sla_team_kind_met"),
            # Breaches of a period (reports, the dashboard's tile, its drill-down and
            # rollup) read a range of breach times instead of every clock.
            models.Index(fields=["kind", "breached_at"], name="sla_kind_breached"),
            # First replies of a period across all teams (the drill-down behind the
            # first-response tiles, in met order) read a range of met times; the team index
            # above only serves one team's.
            models.Index(fields=["kind", "met_at"], name="sla_kind_met"),
        ]


class TeamCommitments(models.Model):
    """A team's own words and switches: acknowledgement, apology, public page, digest."""

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, related_name="commitments")
    ack_enabled = models.BooleanField(default=True)
    ack_subject = models.CharField(
        max_length=200, default="We have your request {reference}: {subject}"
    )
    ack_body = models.TextField(
        default=(
            "Hello {first_name},\n\nThank you for writing to {team}. Your request has the "
            "reference {reference}.\nA person from our team will answer you {answer_by}.\n\n"
            "If you write again, keep {reference} in the subject so it reaches the same "
            "people.\n\n{team}"
        )
    )
    apology = models.TextField(
        blank=True,
        default=(
            "I am sorry we took longer than we promised to answer you. That is not the "
            "service we want to give."
        ),
    )
    public_page = models.BooleanField(default=False)
    digest_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Commitments of {self.team}"
