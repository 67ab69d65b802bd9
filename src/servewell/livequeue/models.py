"""Calls and chats in the live queue, their raw feed events, queue settings and alarms.

A ``Call`` is derived from its ``CallEvent`` rows (see ``feed.py``): the events are the
truth, the call is their consistent summary. That is what makes the feed idempotent and
tolerant of events that arrive late, twice or out of order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from servewell.people.models import Team


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"


class CallState(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ANSWERED = "answered", "Answered"
    ABANDONED = "abandoned", "Abandoned"
    COMPLETED = "completed", "Completed"


class EventKind(models.TextChoices):
    JOINED = "joined", "Caller joined the queue"
    ANSWERED = "answered", "Answered by an agent"
    ABANDONED = "abandoned", "Caller hung up while waiting"
    COMPLETED = "completed", "Call ended after being answered"


class Call(models.Model):
    call_id = models.CharField(max_length=150, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="calls")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PHONE)
    caller = models.CharField(max_length=150, blank=True)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.WAITING)
    joined_at = models.DateTimeField(
        help_text="When the caller joined the queue (or, until "
        "that event arrives, the earliest thing we know)."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queue_calls",
    )
    agent_label = models.CharField(
        max_length=150, blank=True, help_text="The agent as the telephony system names them."
    )
    wait_s = models.FloatField(null=True, blank=True)
    talk_s = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-joined_at"]
        indexes = [
            models.Index(fields=["team", "state", "joined_at"]),
            models.Index(fields=["team", "joined_at"]),
            # A period's calls across all teams, in join order (the calls drill-down).
            models.Index(fields=["joined_at"], name="call_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.call_id}"


class CallEvent(models.Model):
    """One feed event as received. (call_id, kind) is unique: a repeat is a no-op."""

    call_id = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    at = models.DateTimeField()
    received_at = models.DateTimeField()
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call_id", "kind"], name="call_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"


class PendingEvent(models.Model):
    """A feed event taken on ``?respond=async``: checked and stored, its call not yet
    derived. The worker derives waiting events in batches (``livequeue.intake``) and
    deletes them; one that cannot be derived stays, failed, with the reason."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        FAILED = "failed", "Could not be recorded"

    payload = models.JSONField(help_text="The event as checked: team id, times in ISO 8601.")
    received_at = models.DateTimeField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="pendingevent_state")]

    def __str__(self) -> str:
        return f"{self.payload.get('call_id')} {self.payload.get('event')} ({self.state})"


class ShortAbandonRule(models.TextChoices):
    EXCLUDE = "exclude", "Leave them out of the service level"
    MET = "met", "Count them as answered in time"
    UNMET = "unmet", "Count them as missed"


class QueueSettings(models.Model):
    """Per-team service-level definition. Teams without a row use the defaults below."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="queue_settings")
    service_level_seconds = models.PositiveIntegerField(
        default=20, help_text="Answered within this many seconds counts as in service level."
    )
    service_level_target_pct = models.PositiveSmallIntegerField(
        default=80, help_text="The share of calls to answer in time (used for staffing)."
    )
    short_abandon_seconds = models.PositiveIntegerField(
        default=5, help_text="Callers who hang up sooner than this are short abandons."
    )
    short_abandon_rule = models.CharField(
        max_length=10, choices=ShortAbandonRule.choices, default=ShortAbandonRule.EXCLUDE
    )

    class Meta:
        verbose_name_plural = "queue settings"

    def __str__(self) -> str:
        return f"Queue settings of {self.team}"


class RuleKind(models.TextChoices):
    WAITING = "waiting", "Calls waiting at least"
    LONGEST_WAIT = "longest_wait", "Longest wait at least (seconds)"
    SERVICE_LEVEL = "service_level", "Service level today below (%)"


class AlarmRule(models.Model):
    """Raises when the measure crosses ``threshold``; clears only once it is back past
    ``clear_threshold`` (hysteresis), so a queue hovering at the limit does not flap."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alarm_rules")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    threshold = models.FloatField()
    clear_threshold = models.FloatField()
    notify_org = models.BooleanField(
        default=False, help_text="Alert the whole organisation, not only the team and leaders."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "kind", "threshold"]

    def __str__(self) -> str:
        return f"{self.team}: {self.describe()}"

    def describe(self) -> str:
        t, c = _num(self.threshold), _num(self.clear_threshold)
        if self.kind == RuleKind.WAITING:
            return f"{t} or more waiting (clears at {c} or fewer)"
        if self.kind == RuleKind.LONGEST_WAIT:
            return f"someone waiting {t} s or more (clears at {c} s or less)"
        return f"service level today below {t} % (clears at {c} % or more)"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Alarm(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alarms")
    rule = models.ForeignKey(
        AlarmRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alarms"
    )
    rule_label = models.CharField(max_length=200, help_text="The rule as it read when raised.")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    notify_org = models.BooleanField(default=False)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    trigger_value = models.FloatField(help_text="The measure when the alarm was raised.")
    peak_waiting = models.PositiveIntegerField(default=0)
    longest_wait_s = models.FloatField(default=0)
    audience_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # At most one open alarm per rule, even when two processes evaluate at once.
            models.UniqueConstraint(
                fields=["rule"], condition=Q(cleared_at=None), name="one_open_alarm_per_rule"
            ),
        ]
        indexes = [models.Index(fields=["team", "raised_at"])]

    def __str__(self) -> str:
        return f"Alarm {self.team}: {self.rule_label}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def duration_s(self) -> float | None:
        if self.cleared_at is None:
            return None
        return (self.cleared_at - self.raised_at).total_seconds()


class ResponderRole(models.TextChoices):
    AGENT = "agent", "Agent"
    LEAD = "lead", "Team lead"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"
    OTHER = "other", "Colleague"


class AlarmResponse(models.Model):
    """Someone answered "I'm on it"; the role is recorded as it was at that moment."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alarm_responses"
    )
    role = models.CharField(max_length=10, choices=ResponderRole.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alarm", "user"], name="one_response_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.alarm_id}"
