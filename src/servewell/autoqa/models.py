"""Auto-QA: stored scores, the links from scorecard criteria to auto criteria, and the
pairs of auto and human answers that agreement is measured on.

Rows change only through ``scoring.py`` and ``reviews.py`` of this app.
"""

from __future__ import annotations

from django.db import models

from servewell.autoqa.engine import CRITERIA


class AutoScore(models.Model):
    """One conversation scored by one scorer version. A new version adds a row and the
    older rows stay, so versions can be compared; ``is_current`` marks the latest."""

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="auto_scores"
    )
    scorer = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    is_current = models.BooleanField(default=True)
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8, blank=True)
    abstained = models.CharField(max_length=200, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="0-100; empty when abstained.")
    rude = models.BooleanField(default=False)
    sentiment = models.CharField(max_length=10, blank=True)
    response_time_met = models.BooleanField(null=True, blank=True)
    verdicts = models.JSONField(default=dict, help_text="criterion -> value, evidence, scorer")
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["-scored_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "scorer", "version"], name="autoqa_one_per_version"
            ),
        ]
        indexes = [
            models.Index(fields=["is_current", "team", "scored_at"], name="autoqa_current"),
            models.Index(fields=["conversation", "is_current"], name="autoqa_conversation"),
        ]


class CriterionLink(models.Model):
    """A scorecard criterion answered in advance by an auto criterion."""

    criterion = models.OneToOneField(
        "quality.Criterion", on_delete=models.CASCADE, related_name="auto_link"
    )
    auto = models.CharField(max_length=20, choices=[(c, c) for c in CRITERIA])


class Pair(models.Model):
    """An auto answer next to the human's for the same criterion of a submitted review:
    what agreement is measured on. ``overridden`` when the human chose differently."""

    review = models.ForeignKey("quality.Review", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey("quality.Criterion", on_delete=models.CASCADE, related_name="+")
    auto = models.CharField(max_length=20)
    auto_value = models.SmallIntegerField(null=True, blank=True)
    human_value = models.SmallIntegerField(null=True, blank=True)
    overridden = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="autoqa_one_pair"),
        ]
