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
