"""Reviews: start one on a conversation, answer the criteria, submit, read.

A review is about the person who handled the conversation (``handlers.handler_of``) —
whatever their role: leads and managers are reviewed exactly like agents. Reviewing a
conversation one handled oneself is a *self-review*: anybody may write one, it is shown
to their lead, and it never counts in the quality scores.

Answers are stored per revision; a dispute that changes the score writes the next
revision (``disputes.py``), and the earlier answers stay for the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from servewell.core import audit, events
from servewell.core.access import Forbidden, can
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.people.access import scope_to_teams
from servewell.people.models import User
from servewell.quality import handlers, notify, rollup, scoring
from servewell.quality.access import QUALITY_REVIEW
from servewell.quality.models import Answer, Criterion, Review, ReviewAssignment, ScorecardVersion

REVIEW_SUBMITTED = events.declare(
    "quality.review.submitted", "A quality review of a conversation was submitted."
)

#: ``{criterion_id: {"value": 1 | 0 | 1-5 | None (N/A), "comment": "..."}}``
Answers = Mapping[int, Mapping[str, Any]]

#: ``fn(conversation, criteria) -> {criterion_id: (value, note)}``: answers proposed for a
#: new draft (auto-QA); the reviewer accepts or overrides each before submitting.
ReviewPrefill = Callable[[Conversation, list], Mapping[int, tuple[Any, str]]]
REVIEW_PREFILL: ExtensionPoint[ReviewPrefill] = ExtensionPoint(
    "quality.review_prefill",
    Callable,
    "fn(conversation, criteria) -> {criterion_id: (value, note)}: answers proposed for a "
    "new draft review, which the reviewer accepts or overrides.",
)


def conversations_for(user: User) -> QuerySet[Conversation]:
    """Conversations ``user`` may review: those of the teams they see."""
    return scope_to_teams(Conversation.objects.all(), user)


def start_review(
    actor: User,
    conversation: Conversation,
    *,
    version: ScorecardVersion,
    now: datetime,
    reviewee: User | None = None,
    assignment: ReviewAssignment | None = None,
) -> Review:
    """A draft review (or the reviewer's existing draft of the same thing)."""
    if not version.is_published:
        raise DomainError("invalid", "Reviews use a published scorecard version.", field="version")
    reviewee = reviewee or handlers.handler_of(conversation)
    if reviewee is None:
        raise DomainError(
            "invalid", "Nobody has handled this conversation yet.", field="conversation"
        )
    is_self = reviewee.pk == actor.pk
    if not is_self and not can(actor, QUALITY_REVIEW):
        raise Forbidden("Only reviewers may review other people's conversations.")
    with transaction.atomic():
        existing = Review.objects.filter(
            conversation=conversation,
            reviewer=actor,
            reviewee=reviewee,
            version=version,
            state=Review.State.DRAFT,
            calibration__isnull=True,
        ).first()
        review = existing or Review.objects.create(
            conversation=conversation,
            reviewee=reviewee,
            reviewer=actor,
            version=version,
            team_id=conversation.team_id,
            is_self_review=is_self,
            created_at=now,
        )
        if existing is None:
            _prefill(review, conversation)
        if assignment is not None and assignment.review_id is None:
            assignment.review = review
            assignment.save(update_fields=["review"])
    return review


def _prefill(review: Review, conversation: Conversation) -> None:
    criteria = {c.pk: c for c in review.version.criteria.all()}
    proposed: dict[int, dict] = {}
    for fn in REVIEW_PREFILL.items():
        for key, (value, note) in fn(conversation, list(criteria.values())).items():
            if key in criteria and key not in proposed:
                proposed[key] = {"value": value, "comment": note}
    if proposed:
        write_answers(review, criteria, clean_answers(criteria, proposed))


def current_answers(review: Review) -> dict[int, Answer]:
    return {a.criterion_id: a for a in review.answers.filter(revision=review.revision)}


def _own_draft(actor: User, review: Review) -> None:
    if review.reviewer_id != actor.pk:
        raise Forbidden("Only the reviewer may change this review.")
    if review.state != Review.State.DRAFT:
        raise DomainError("conflict", "This review was submitted; it can no longer change.")


def clean_answers(criteria: Mapping[int, Criterion], answers: Answers) -> dict[int, dict]:
    """Check each answer against its criterion; the field of an error is ``c<id>``."""
    cleaned = {}
    for key, answer in answers.items():
        criterion = criteria.get(key)
        if criterion is None:
            raise DomainError(
                "invalid", f"Criterion {key} is not on this scorecard.", field="answers"
            )
        value = answer.get("value")
        try:
            scoring.check(criterion, value)
        except scoring.AnswerError as exc:
            raise DomainError("invalid", str(exc), field=f"c{key}") from None
        cleaned[key] = {"value": value, "comment": str(answer.get("comment") or "")[:5000]}
    return cleaned


def write_answers(review: Review, criteria: Mapping[int, Criterion], answers: dict) -> None:
    """Upsert the answers of the review's current revision."""
    existing = current_answers(review)
    for key, answer in answers.items():
        pts = scoring.points(criteria[key].scale, answer["value"])
        row = existing.get(key) or Answer(review=review, criterion_id=key, revision=review.revision)
        row.value, row.comment = answer["value"], answer["comment"]
        row.points = float(pts) if pts is not None else None
        row.save()


def save_answers(
    actor: User, review: Review, *, answers: Answers, comment: str | None = None
) -> Review:
    """Keep a draft's answers (some criteria may still be unanswered)."""
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        _own_draft(actor, review)
        criteria = {c.pk: c for c in review.version.criteria.all()}
        write_answers(review, criteria, clean_answers(criteria, answers))
        if comment is not None:
            review.comment = comment[:10000]
            review.save(update_fields=["comment"])
    return review


def score_of(review: Review) -> float | None:
    """Score the current revision; every criterion must be answered (N/A included)."""
    criteria = list(review.version.criteria.all())
    answers = {k: a.value for k, a in current_answers(review).items()}
    try:
        return scoring.score(criteria, answers)
    except scoring.AnswerError as exc:
        raise DomainError("invalid", str(exc), field=f"c{exc.key}") from None


def submit_review(
    actor: User,
    review: Review,
    *,
    now: datetime,
    answers: Answers | None = None,
    comment: str | None = None,
) -> Review:
    """Score it, count it, tell the reviewee. Every criterion must be answered."""
    with transaction.atomic():
        if answers is not None or comment is not None:
            save_answers(actor, review, answers=answers or {}, comment=comment)
        review = Review.objects.select_for_update().get(pk=review.pk)
        _own_draft(actor, review)
        review.score = score_of(review)
        review.state = Review.State.SUBMITTED
        review.submitted_at = now
        review.quarter = rollup.quarter_of(now)
        review.save(update_fields=["score", "state", "submitted_at", "quarter"])
        rollup.add(review)
        ReviewAssignment.objects.filter(review=review).update(
            state=ReviewAssignment.State.DONE, done_at=now
        )
        audit.record(actor, "quality.review.submitted", review, after={"score": review.score})
        if review.calibration_id is None:
            _announce(review, now)
    return review


def _announce(review: Review, now: datetime) -> None:
    payload = {
        "review": review.pk,
        "conversation": review.conversation_id,
        "reviewee": review.reviewee_id,
        "reviewer": review.reviewer_id,
        "score": review.score,
        "self_review": review.is_self_review,
    }
    events.publish(REVIEW_SUBMITTED, payload)
    if review.is_self_review:
        return
    score = "N/A" if review.score is None else f"{review.score:g}"
    notify.notify(
        review.reviewee,
        f"{review.reviewer} reviewed conversation #{review.conversation_id}: {score}",
        body=review.comment,
        url=reverse("quality-review", args=[review.pk]),
        now=now,
    )
