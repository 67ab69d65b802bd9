"""Disputes: the reviewee contests a review, a lead upholds it or changes the score.

Changing the score never edits answers in place: the new answers are the review's next
revision, the old revision stays, and each step is a ``DisputeEvent`` (opened, upheld,
changed — the latter with the scores before and after). The person resolving may not be
the reviewee nor the reviewer: nobody rules on their own work.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse

from servewell.core import audit, events
from servewell.core.access import Forbidden, can
from servewell.core.errors import DomainError
from servewell.people.access import visible_team_ids
from servewell.people.models import Membership, User
from servewell.quality import notify, rollup
from servewell.quality.access import QUALITY_COACH
from servewell.quality.models import Dispute, DisputeEvent, Review
from servewell.quality.reviews import Answers, clean_answers, score_of, write_answers

DISPUTE_OPENED = events.declare("quality.dispute.opened", "A reviewee disputed a quality review.")
DISPUTE_RESOLVED = events.declare(
    "quality.dispute.resolved", "A lead upheld a disputed review or changed its score."
)
UPHOLD, CHANGE = "uphold", "change"


def disputes_for(user: User) -> QuerySet[Dispute]:
    """Disputes ``user`` may read: their own (either side of the review) and, for coaches,
    those of their teams."""
    qs = Dispute.objects.select_related("review__reviewee", "review__reviewer", "raised_by")
    own = qs.filter(review__reviewee=user) | qs.filter(review__reviewer=user)
    if not can(user, QUALITY_COACH):
        return own
    ids = visible_team_ids(user)
    return qs if ids is None else (own | qs.filter(review__team_id__in=ids))


def open_dispute(actor: User, review: Review, *, reason: str, now: datetime) -> Dispute:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("invalid", "Say why you disagree.", field="reason")
    if review.reviewee_id != actor.pk:
        raise Forbidden("Only the person reviewed may dispute a review.")
    if not review.counts:
        raise DomainError("invalid", "Only submitted reviews by someone else can be disputed.")
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                review=review, raised_by=actor, reason=reason[:5000], opened_at=now
            )
    except IntegrityError:
        raise DomainError("duplicate", "This review is already disputed.") from None
    with transaction.atomic():
        DisputeEvent.objects.create(
            dispute=dispute, actor=actor, kind="opened", note=reason, at=now
        )
        audit.record(actor, "quality.dispute.opened", dispute, label=f"Dispute of {review}")
        events.publish(DISPUTE_OPENED, {"dispute": dispute.pk, "review": review.pk})
        url = reverse("quality-dispute", args=[dispute.pk])
        leads = User.objects.filter(
            pk__in=Membership.objects.filter(team_id=review.team_id, is_lead=True).values("user")
        ).exclude(pk__in=[review.reviewee_id])
        notify.notify(
            [review.reviewer, *leads],
            f"{actor} disputes the review of #{review.conversation_id}",
            body=reason,
            url=url,
            now=now,
        )
    return dispute


def may_resolve(actor: User, dispute: Dispute) -> bool:
    try:
        _check_resolver(actor, dispute)
    except Forbidden:
        return False
    return dispute.state == Dispute.State.OPEN


def _check_resolver(actor: User, dispute: Dispute) -> None:
    review = dispute.review
    if not can(actor, QUALITY_COACH):
        raise Forbidden("Only leads, managers and admins resolve disputes.")
    if actor.pk in (review.reviewee_id, review.reviewer_id):
        raise Forbidden("Nobody resolves a dispute about their own review.")
    ids = visible_team_ids(actor)
    if ids is not None and review.team_id not in ids:
        raise Forbidden("This dispute belongs to a team you do not lead.")


def resolve_dispute(
    actor: User,
    dispute: Dispute,
    *,
    decision: str,
    now: datetime,
    note: str = "",
    answers: Answers | None = None,
) -> Dispute:
    """Uphold, or change: ``answers`` replace those criteria's answers in a new revision."""
    if decision not in (UPHOLD, CHANGE):
        raise DomainError("invalid", "Decide 'uphold' or 'change'.", field="decision")
    if decision == CHANGE and not answers:
        raise DomainError("invalid", "Give the changed answers.", field="answers")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().select_related("review").get(pk=dispute.pk)
        if dispute.state != Dispute.State.OPEN:
            raise DomainError("conflict", "This dispute is already resolved.")
        _check_resolver(actor, dispute)
        review = Review.objects.select_for_update().get(pk=dispute.review_id)
        before = review.score
        data = {"score_before": before, "revision_before": review.revision}
        if decision == CHANGE:
            _revise(review, answers)
            data |= {"score_after": review.score, "revision_after": review.revision}
        dispute.state = Dispute.State.UPHELD if decision == UPHOLD else Dispute.State.CHANGED
        dispute.resolved_by, dispute.resolved_at, dispute.resolution = actor, now, note[:5000]
        dispute.save(update_fields=["state", "resolved_by", "resolved_at", "resolution"])
        kind = "upheld" if decision == UPHOLD else "changed"
        DisputeEvent.objects.create(
            dispute=dispute, actor=actor, kind=kind, note=note, data=data, at=now
        )
        audit.record(
            actor,
            f"quality.dispute.{kind}",
            dispute,
            before={"score": before},
            after={"score": review.score},
            label=f"Dispute of {review}",
        )
        events.publish(DISPUTE_RESOLVED, {"dispute": dispute.pk, "review": review.pk, **data})
        text = f"Your dispute of #{review.conversation_id} was resolved: " + (
            "score kept" if decision == UPHOLD else f"score changed to {review.score}"
        )
        url = reverse("quality-dispute", args=[dispute.pk])
        notify.notify([review.reviewee, review.reviewer], text, body=note, url=url, now=now)
    return dispute


def _revise(review: Review, answers: Answers) -> None:
    """Copy the current answers into the next revision with ``answers`` applied, rescore,
    and move the review's weight in the quarterly totals from the old score to the new."""
    criteria = {c.pk: c for c in review.version.criteria.all()}
    changes = clean_answers(criteria, answers)
    current = {
        a.criterion_id: {"value": a.value, "comment": a.comment}
        for a in review.answers.filter(revision=review.revision)
    }
    rollup.remove(review)
    review.revision += 1
    write_answers(review, criteria, {**current, **changes})
    review.score = score_of(review)
    review.save(update_fields=["revision", "score"])
    rollup.add(review)
