"""Rollups (one row per day, team, person and figure) and the weekly digest's records."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Rollup(models.Model):
    """One day's part of one figure for one team and person: the dashboard adds up the
    numerators and denominators of the days in a period. Team and person are plain ids
    (a figure may count no team or no person); 0 stands for "none" so that the unique
    constraint holds."""

    key = models.CharField(max_length=80)
    day = models.DateField()
    team_id = models.BigIntegerField(default=0)
    person_id = models.BigIntegerField(default=0)
    numerator = models.FloatField(default=0)
    denominator = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "day", "team_id", "person_id"], name="insights_rollup_cell"
            )
        ]
        indexes = [models.Index(fields=["key", "team_id", "day"], name="insights_rollup_team")]


class Freshness(models.Model):
    """When each figure's rollup was last brought up to date."""

    key = models.CharField(max_length=80, unique=True)
    refreshed_at = models.DateTimeField()
    through_day = models.DateField()


class DigestOptOut(models.Model):
    """A person who asked not to get the weekly digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()


class DigestSent(models.Model):
    """One digest per person and week: the hourly job may run any number of times."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday the digest was for.")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="insights_digest_once")
        ]


class ThemeRun(models.Model):
    """One clustering of a period's customer requests for one scope (the viewer's teams
    and person filter), kept so that the dashboard only reads it. ``computed_at`` is
    null while the job that fills it is queued or running."""

    scope = models.CharField(max_length=40, help_text="A digest of the teams and person.")
    start_day = models.DateField()
    end_day = models.DateField(help_text="The day after the last.")
    requested_at = models.DateTimeField()
    computed_at = models.DateTimeField(null=True, blank=True)
    sampled = models.PositiveIntegerField(default=0, help_text="Requests clustered.")
    total = models.PositiveIntegerField(default=0, help_text="Requests in the period.")
    previous_sampled = models.PositiveIntegerField(default=0)
    previous_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "start_day", "end_day"], name="insights_theme_run_once"
            )
        ]


class ThemeCluster(models.Model):
    """A group of similar first messages, named by its most typical phrases."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="clusters")
    rank = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    phrases = models.JSONField(default=list)
    example = models.TextField(blank=True, help_text="The request nearest the cluster's centre.")
    count = models.PositiveIntegerField()
    previous = models.PositiveIntegerField(help_text="Similar requests in the period before.")
    conversation_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["rank"]


class RequestVector(models.Model):
    """The sentence embedding of a conversation's first customer message, computed once:
    every later clustering (another period, team or person) reuses it."""

    conversation_id = models.BigIntegerField(primary_key=True)
    vector = models.BinaryField(help_text="float32, unit length.")
