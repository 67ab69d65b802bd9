"""Experience: customer surveys (CSAT, NPS), the anonymous team pulse, and kudos.

Anonymity of the pulse is a property of these tables, not of the screens: a
``PulseResponse`` has no user, no time and a random primary key; who was asked and who
answered lives in ``PulseInvite``, created for every member when the round opens (so its
row order says nothing about who answered when) and sharing no key with the answers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SurveyKind(models.TextChoices):
    CSAT = "csat", "CSAT (1-5)"
    NPS = "nps", "NPS (0-10)"


class Again(models.TextChoices):
    YES = "yes", "Yes"
    UNSURE = "unsure", "Not sure"
    NO = "no", "No"


class ExperienceSettings(models.Model):
    """Per-team settings; a team without a row uses the defaults."""

    team = models.OneToOneField(
        "people.Team", on_delete=models.CASCADE, related_name="experience_settings"
    )
    surveys_enabled = models.BooleanField(default=True)
    survey_delay_minutes = models.PositiveIntegerField(default=60)
    contact_interval_days = models.PositiveIntegerField(default=7)
    nps_interval_days = models.PositiveIntegerField(default=90)
    link_days = models.PositiveIntegerField(default=14)
    pulse_enabled = models.BooleanField(default=True)
    pulse_every_days = models.PositiveIntegerField(default=14)
    pulse_open_days = models.PositiveIntegerField(default=7)
    pulse_k = models.PositiveIntegerField(default=5)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pulse_k__gte=3), name="xp_k_min")]


class Survey(models.Model):
    """One question to one customer, reached by a random token whose hash is stored."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent"
        SUPERSEDED = "superseded", "Replaced by a newer survey"

    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    conversation = models.ForeignKey(
        "desk.Conversation", null=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="surveys")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    address = models.CharField(max_length=254, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True)
    solved_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)
    skip_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "due_at"], name="xp_survey_due"),
            models.Index(fields=["contact", "kind", "sent_at"], name="xp_survey_contact"),
            models.Index(fields=["conversation", "kind"], name="xp_survey_conv"),
            models.Index(fields=["sent_at"], name="xp_survey_sent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "solved_at"],
                condition=models.Q(kind="csat"),
                name="xp_one_csat_per_solve",
            )
        ]


class SurveyResponse(models.Model):
    """The current answer to a survey: at most one per survey (the database says so, so
    two answers posted at once leave one row). Team, handler and month are copied from
    the survey for the reports."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="response")
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    would_return = models.CharField(max_length=6, choices=Again.choices, blank=True)
    comment = models.TextField(blank=True)
    negative = models.BooleanField(default=False, help_text="Low score or a negative comment.")
    conversation = models.ForeignKey(
        "desk.Conversation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    month = models.DateField(help_text="First day of the month of the first answer.")
    responded_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "kind"], name="xp_resp_conv"),
            models.Index(fields=["contact", "responded_at"], name="xp_resp_contact"),
            models.Index(fields=["handler", "kind", "month"], name="xp_resp_handler"),
            models.Index(fields=["kind", "score"], name="xp_resp_score"),
            models.Index(fields=["team", "responded_at"], name="xp_resp_team"),
            models.Index(fields=["responded_at"], name="xp_resp_at"),
        ]


class ResponseRevision(models.Model):
    """Every answer as it was given: a changed answer keeps its history."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    score = models.PositiveSmallIntegerField()
    would_return = models.CharField(max_length=6, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "revision"], name="xp_revision_unique")
        ]


class MonthlyRollup(models.Model):
    """Counts per kind, team, handler (0: none) and month, kept in step with every answer
    and send, so the report reads a few hundred rows instead of a million responses."""

    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    person_id = models.BigIntegerField(default=0)
    month = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    responses = models.IntegerField(default=0)
    positive = models.IntegerField(default=0, help_text="CSAT 4-5; NPS 9-10.")
    negative = models.IntegerField(default=0, help_text="CSAT 1-2; NPS 0-6.")
    score_sum = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "team", "person_id", "month"], name="xp_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "month"], name="xp_rollup_month")]


class Unsubscribe(models.Model):
    """An address that asked for no more surveys, kept as a SHA-256 digest so that an
    erasure does not have to forget the wish along with the address."""

    address_hash = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()


class Recovery(models.Model):
    """A low or negative answer that someone must act on; the time to first action."""

    response = models.OneToOneField(
        SurveyResponse, on_delete=models.CASCADE, related_name="recovery"
    )
    opened_at = models.DateTimeField()
    action_at = models.DateTimeField(null=True)
    action = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["action_at", "opened_at"], name="xp_recovery_open")]


class PulseRound(models.Model):
    """One round of a team's pulse; ``k`` is fixed when it opens (never below 3)."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="pulse_rounds")
    k = models.PositiveSmallIntegerField(default=5)
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True)
    invited = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(k__gte=3), name="xp_round_k_min")]
        indexes = [models.Index(fields=["team", "opened_at"], name="xp_round_team")]


class PulseInvite(models.Model):
    """Who may answer a round and whether they have: created for every member when the
    round opens, so neither its ids nor its order say when anybody answered."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="invites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="xp_invite_unique")]


class PulseResponse(models.Model):
    """An anonymous answer: its round and the answers, nothing else (no user, no time;
    the primary key is random so even the order of rows says nothing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="responses")
    enps = models.PositiveSmallIntegerField()
    again = models.CharField(max_length=6, choices=Again.choices)
    supported = models.PositiveSmallIntegerField(help_text="1-5: supported by my lead.")
    comment = models.TextField(blank=True)


class KudosValue(models.TextChoices):
    OWNERSHIP = "ownership", "Ownership"
    EMPATHY = "empathy", "Empathy"
    CRAFT = "craft", "Craft"
    TEAMWORK = "teamwork", "Teamwork"
    COURAGE = "courage", "Courage"
    CUSTOMER = "customer", "Customer praise"


class Kudos(models.Model):
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_received"
    )
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="kudos_given",
    )
    team = models.ForeignKey("people.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    value = models.CharField(max_length=10, choices=KudosValue.choices)
    message = models.TextField()
    source = models.OneToOneField(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="kudos"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["receiver", "created_at"], name="xp_kudos_receiver"),
            models.Index(fields=["team", "created_at"], name="xp_kudos_team"),
            models.Index(fields=["created_at"], name="xp_kudos_at"),
        ]
