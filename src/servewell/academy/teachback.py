"""Teach-back: the graduate's report, peers' comments, the trainer's acknowledgement,
and reminders when a report is overdue (the graduate first, the trainer a week later)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse

from servewell.academy import cascade, cohorts
from servewell.academy.models import MAX_REACHED, TeachBack, TeachBackComment
from servewell.core import audit, events, notifications
from servewell.core.errors import DomainError
from servewell.people.models import User

TEACHBACK_FILED = events.declare(
    "academy.teachback.filed", "A graduate filed the report of their teach-back."
)
TRAINER_GRACE = dt.timedelta(days=7)


def file_report(
    actor: User,
    teachback: TeachBack,
    *,
    taught_on: dt.date,
    setting: str,
    people_reached: Any,
    what_happened: str,
    reflection: str = "",
    now: datetime,
) -> TeachBack:
    """Only the learner files (or corrects) their own report."""
    if teachback.enrolment.learner_id != actor.pk:
        raise DomainError("forbidden", "Only the learner files their teach-back.")
    if setting not in TeachBack.Setting.values:
        raise DomainError("invalid", "Pick a setting from the list.", field="setting")
    if isinstance(people_reached, bool) or not isinstance(people_reached, int):
        raise DomainError("invalid", "People reached is a whole number.", field="people_reached")
    if not 1 <= people_reached <= MAX_REACHED:
        raise DomainError(
            "invalid", f"People reached is between 1 and {MAX_REACHED:,}.", field="people_reached"
        )
    if taught_on > now.date():
        raise DomainError("invalid", "The date cannot be in the future.", field="taught_on")
    what_happened = str(what_happened or "").strip()
    if not what_happened:
        raise DomainError("invalid", "Tell your peers what happened.", field="what_happened")
    with transaction.atomic():
        first = teachback.filed_at is None
        teachback.taught_on = taught_on
        teachback.setting = setting
        teachback.people_reached = people_reached
        teachback.what_happened = what_happened[:20_000]
        teachback.reflection = str(reflection or "").strip()[:20_000]
        teachback.filed_at = teachback.filed_at or now
        teachback.save()
        cascade.refresh_reports(teachback.enrolment.learner_id)
        cohorts.refresh_completion(teachback.enrolment, now=now)
        audit.record(actor, "academy.teachback.filed", teachback, after={"reached": people_reached})
        if first:
            events.publish(TEACHBACK_FILED, {"teachback": teachback.pk, "learner": actor.pk})
            trainer = teachback.enrolment.cohort.trainer
            notifications.notify(
                [trainer], f"{actor} filed a teach-back report", url=_url(teachback), now=now
            )
    return teachback


def _url(teachback: TeachBack) -> str:
    return reverse("academy-teachback", args=[teachback.pk])


def comment(actor: User, teachback: TeachBack, *, body: str, now: datetime) -> TeachBackComment:
    """Peers in the cohort (and its trainer) comment on a filed report."""
    cohort = teachback.enrolment.cohort
    is_peer = cohort.enrolments.filter(learner=actor).exists()
    if not (is_peer or cohort.trainer_id == actor.pk):
        raise DomainError("forbidden", "Only the cohort comments on its teach-backs.")
    if not teachback.is_filed:
        raise DomainError("invalid", "There is no report to comment on yet.")
    body = str(body or "").strip()
    if not body or len(body) > 5000:
        raise DomainError("invalid", "A comment of 1-5,000 characters.", field="body")
    made = TeachBackComment.objects.create(
        teachback=teachback, author=actor, body=body, created_at=now
    )
    learner = teachback.enrolment.learner
    if learner.pk != actor.pk:
        notifications.notify(
            [learner], f"{actor} commented on your teach-back", url=_url(teachback), now=now,
            email=False,
        )  # fmt: skip
    return made


def acknowledge(actor: User, teachback: TeachBack, *, now: datetime) -> TeachBack:
    from servewell.academy.access import runs

    if not runs(actor, teachback.enrolment.cohort):
        raise DomainError("forbidden", "Only the cohort's trainer acknowledges.")
    if not teachback.is_filed:
        raise DomainError("invalid", "There is no report to acknowledge yet.")
    if teachback.acknowledged_at is None:
        teachback.acknowledged_at = now
        teachback.acknowledged_by = actor
        teachback.save(update_fields=["acknowledged_at", "acknowledged_by"])
        notifications.notify(
            [teachback.enrolment.learner], "Your trainer acknowledged your teach-back",
            url=_url(teachback), now=now, email=False,
        )  # fmt: skip
    return teachback


def remind_overdue(*, now: datetime) -> dict[str, int]:
    """Remind each graduate once when their report is overdue, and the trainer once
    when it still is a week later. The conditional updates claim each reminder, so two
    workers running at once never send it twice."""
    today = now.date()
    overdue = TeachBack.objects.filter(filed_at__isnull=True, due_on__lt=today)
    sent = {"graduates": 0, "trainers": 0}
    for tb in overdue.filter(reminded_at__isnull=True).select_related("enrolment__learner"):
        if TeachBack.objects.filter(pk=tb.pk, reminded_at__isnull=True).update(reminded_at=now):
            notifications.notify(
                [tb.enrolment.learner], "Your teach-back report is overdue",
                body=f"It was due on {tb.due_on:%d %B %Y}.", url=_url(tb), now=now,
            )  # fmt: skip
            sent["graduates"] += 1
    late = overdue.filter(
        trainer_reminded_at__isnull=True, due_on__lt=today - TRAINER_GRACE
    ).select_related("enrolment__learner", "enrolment__cohort__trainer")
    for tb in late:
        if TeachBack.objects.filter(pk=tb.pk, trainer_reminded_at__isnull=True).update(
            trainer_reminded_at=now
        ):
            notifications.notify(
                [tb.enrolment.cohort.trainer],
                f"{tb.enrolment.learner}'s teach-back is over a week late",
                url=_url(tb), now=now,
            )  # fmt: skip
            sent["trainers"] += 1
    return sent
