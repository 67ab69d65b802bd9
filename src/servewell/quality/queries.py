"""Reads shared by the screens and the API (``select_related`` inside)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from servewell.desk.models import Message
from servewell.people.models import User
from servewell.quality.models import (
    Answer,
    Criterion,
    Review,
    ReviewAssignment,
    Scorecard,
    ScorecardVersion,
    Section,
)


def published_versions() -> QuerySet[ScorecardVersion]:
    """The latest published version of each scorecard still in use."""
    newer = ScorecardVersion.objects.filter(
        scorecard=OuterRef("scorecard"), state="published", number__gt=OuterRef("number")
    )
    return (
        ScorecardVersion.objects.filter(state="published", scorecard__is_archived=False)
        .exclude(Exists(newer))
        .select_related("scorecard")
        .order_by("scorecard__name")
    )


def list_scorecards() -> QuerySet[Scorecard]:
    return Scorecard.objects.annotate(
        published=Count("versions", filter=Q(versions__state="published")),
        drafts=Count("versions", filter=Q(versions__state="draft")),
    ).order_by("is_archived", "name")


def version_detail(pk: int) -> ScorecardVersion:
    return (
        ScorecardVersion.objects.select_related("scorecard")
        .prefetch_related(
            Prefetch("sections", queryset=Section.objects.prefetch_related("criteria"))
        )
        .get(pk=pk)
    )


def criteria_of(version: ScorecardVersion) -> list[Criterion]:
    return list(version.criteria.select_related("section"))


def answers_of(review: Review, revision: int | None = None) -> list[Answer]:
    return list(
        review.answers.filter(revision=revision or review.revision).select_related(
            "criterion__section"
        )
    )


def conversation_messages(conversation_id: int) -> QuerySet[Message]:
    """Everything said in a conversation, oldest first, notes included (reviewers see
    the whole handling); system messages left out."""
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .exclude(kind="system")
        .select_related("author", "contact")
        .order_by("created_at", "id")
    )


def reviews_received(user: User) -> QuerySet[Review]:
    return (
        Review.objects.filter(reviewee=user, state=Review.State.SUBMITTED, calibration__isnull=True)
        .select_related("reviewer", "conversation", "version__scorecard")
        .order_by("-submitted_at", "-id")
    )


def queue_of(user: User) -> QuerySet[ReviewAssignment]:
    return (
        ReviewAssignment.objects.filter(reviewer=user, state=ReviewAssignment.State.PENDING)
        .select_related("conversation", "reviewee", "version__scorecard", "review")
        .order_by("created_at", "id")
    )


def drafts_of(user: User) -> QuerySet[Review]:
    return (
        Review.objects.filter(reviewer=user, state=Review.State.DRAFT, calibration__isnull=True)
        .select_related("reviewee", "conversation")
        .order_by("-created_at")
    )


def recently_handled(user: User) -> QuerySet:
    """The user's recently solved conversations, to pick one for a self-review."""
    from servewell.desk.models import Conversation

    return Conversation.objects.filter(assignee=user, solved_at__isnull=False).order_by(
        "-solved_at", "-id"
    )


def iqs_between(person_ids: list[int], *, start, end) -> dict[int, dict]:
    """Each person's IQS over counted reviews submitted in ``[start, end)``: for windows
    that are not quarters (e.g. the 90 days before and after a course). One query."""
    from django.db.models import Avg

    from servewell.quality.rollup import counted_reviews

    rows = (
        counted_reviews()
        .filter(reviewee_id__in=person_ids, submitted_at__gte=start, submitted_at__lt=end)
        .values("reviewee_id")
        .annotate(reviews=Count("id"), iqs=Avg("score"))
        .order_by()
    )
    return {r["reviewee_id"]: {"reviews": r["reviews"], "iqs": round(r["iqs"], 2)} for r in rows}
