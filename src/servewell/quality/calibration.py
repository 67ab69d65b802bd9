"""Calibration: several reviewers score the same conversation blind, then compare.

Blind means nobody sees another's answers before handing in their own: a participant
sees the results once they have submitted, everybody else once the session is closed.
Calibration scores are reviews tied to the session; they never count in quality scores
and the person who handled the conversation is not notified.

Results: per criterion the spread of the answers (0-100 points: min, max, standard
deviation), Krippendorff's alpha (interval) over the criteria of the session, and each
reviewer's average offset from the group mean. ``alpha_across`` pools the criteria of
many sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse

from servewell.core import audit, events
from servewell.core.access import Forbidden, can
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.people.access import visible_team_ids
from servewell.people.models import User
from servewell.quality import agreement, handlers, notify
from servewell.quality.access import QUALITY_MANAGE, QUALITY_REVIEW
from servewell.quality.models import (
    Answer,
    CalibrationSession,
    Criterion,
    Review,
    ScorecardVersion,
)

CALIBRATION_CLOSED = events.declare(
    "quality.calibration.closed", "A calibration session was closed; its results are out."
)


def sessions_for(user: User) -> QuerySet[CalibrationSession]:
    """Sessions ``user`` takes part in or started; managers of quality see their teams'."""
    qs = CalibrationSession.objects.select_related("conversation", "version__scorecard")
    mine = qs.filter(reviewers=user) | qs.filter(started_by=user)
    if not can(user, QUALITY_MANAGE):
        return mine.distinct()
    ids = visible_team_ids(user)
    return (qs if ids is None else (mine | qs.filter(conversation__team_id__in=ids))).distinct()


def start_session(
    actor: User,
    *,
    conversation: Conversation,
    version: ScorecardVersion,
    reviewers: Iterable[User],
    now: datetime,
    title: str = "",
) -> CalibrationSession:
    if not can(actor, QUALITY_MANAGE):
        raise Forbidden("Only leads, QA and managers start calibration sessions.")
    if not version.is_published:
        raise DomainError("invalid", "Use a published scorecard version.", field="version")
    people = {r.pk: r for r in reviewers}
    if len(people) < 2:
        raise DomainError("invalid", "Invite at least two reviewers.", field="reviewers")
    refused = [str(p) for p in people.values() if not (p.is_active and can(p, QUALITY_REVIEW))]
    if refused:
        raise DomainError("invalid", f"Not a reviewer: {', '.join(refused)}.", field="reviewers")
    title = " ".join((title or "").split())[:200] or f"Calibration on #{conversation.pk}"
    with transaction.atomic():
        session = CalibrationSession.objects.create(
            title=title,
            conversation=conversation,
            version=version,
            started_by=actor,
            created_at=now,
        )
        session.reviewers.set(people.values())
        audit.record(
            actor, "quality.calibration.started", session, after={"reviewers": list(people)}
        )
        url = reverse("quality-calibration", args=[session.pk])
        notify.notify(
            people.values(), f"{actor} invites you to calibrate: {title}", url=url, now=now
        )
    return session


def my_review(actor: User, session: CalibrationSession, *, now: datetime) -> Review:
    """The actor's calibration score sheet (a draft review tied to the session)."""
    if not session.reviewers.filter(pk=actor.pk).exists():
        raise Forbidden("You are not invited to this calibration session.")
    if session.state != CalibrationSession.State.OPEN:
        raise DomainError("conflict", "This calibration session is closed.")
    existing = Review.objects.filter(calibration=session, reviewer=actor).first()
    if existing:
        return existing
    conversation = session.conversation
    try:
        with transaction.atomic():
            return Review.objects.create(
                conversation=conversation,
                reviewee=handlers.handler_of(conversation) or session.started_by,
                reviewer=actor,
                version=session.version,
                team_id=conversation.team_id,
                calibration=session,
                created_at=now,
            )
    except IntegrityError:
        return Review.objects.get(calibration=session, reviewer=actor)


def close_session(actor: User, session: CalibrationSession, *, now: datetime) -> None:
    if actor.pk != session.started_by_id and not can(actor, QUALITY_MANAGE):
        raise Forbidden("Only the lead who started it closes a session.")
    with transaction.atomic():
        updated = CalibrationSession.objects.filter(
            pk=session.pk, state=CalibrationSession.State.OPEN
        ).update(state=CalibrationSession.State.CLOSED, closed_at=now)
        if not updated:
            raise DomainError("conflict", "This calibration session is already closed.")
        session.state, session.closed_at = CalibrationSession.State.CLOSED, now
        audit.record(actor, "quality.calibration.closed", session)
        events.publish(CALIBRATION_CLOSED, {"session": session.pk})


def may_see_results(user: User, session: CalibrationSession) -> bool:
    if session.state == CalibrationSession.State.CLOSED:
        return True
    return Review.objects.filter(
        calibration=session, reviewer=user, state=Review.State.SUBMITTED
    ).exists()


@dataclass
class CriterionResult:
    criterion: Criterion
    values: dict[int, float | None]  # reviewer id -> 0..100, None for N/A
    spread: agreement.Spread | None


@dataclass
class Results:
    reviewers: list[User]
    criteria: list[CriterionResult]
    scores: dict[int, float | None]
    alpha: float | None
    offsets: dict[int, float | None]
    pending: list[User] = field(default_factory=list)


def _table(session_ids: Iterable[int]) -> dict[tuple[int, int], dict[int, float | None]]:
    """``{(session, criterion): {reviewer: points 0..1 or None}}`` of submitted sheets."""
    rows = Answer.objects.filter(
        review__calibration_id__in=list(session_ids),
        review__state=Review.State.SUBMITTED,
        revision=1,
    ).values_list("review__calibration_id", "criterion_id", "review__reviewer_id", "points")
    table: dict[tuple[int, int], dict[int, float | None]] = {}
    for session_id, criterion_id, reviewer_id, pts in rows:
        table.setdefault((session_id, criterion_id), {})[reviewer_id] = pts
    return table


def results(session: CalibrationSession) -> Results:
    sheets = list(
        Review.objects.filter(calibration=session).select_related("reviewer").order_by("id")
    )
    done = [r for r in sheets if r.state == Review.State.SUBMITTED]
    people = [r.reviewer for r in done]
    table = _table([session.pk])
    rows = []
    for criterion in session.version.criteria.select_related("section"):
        values = table.get((session.pk, criterion.pk), {})
        shown = {p.pk: (None if values.get(p.pk) is None else 100 * values[p.pk]) for p in people}
        rows.append(CriterionResult(criterion, shown, agreement.spread(shown.values())))
    by_coder = {p.pk: {r.criterion.pk: r.values.get(p.pk) for r in rows} for p in people}
    invited = set(session.reviewers.values_list("pk", flat=True))
    return Results(
        reviewers=people,
        criteria=rows,
        scores={r.reviewer_id: r.score for r in done},
        alpha=agreement.krippendorff_alpha(
            [[values.get(p.pk) for p in people] for values in table.values()]
        ),
        offsets=agreement.offsets(by_coder),
        pending=list(User.objects.filter(pk__in=invited - {p.pk for p in people})),
    )


def alpha_across(sessions: Iterable[CalibrationSession]) -> float | None:
    """Alpha over the pooled criteria of many sessions (each criterion of each session
    is one unit)."""
    table = _table([s.pk for s in sessions])
    return agreement.krippendorff_alpha([list(v.values()) for v in table.values()])
