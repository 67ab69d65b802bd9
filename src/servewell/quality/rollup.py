"""Quarterly running totals of counted reviews (``QuarterTotal``).

A review counts once it is submitted by someone other than the reviewee, is not a
calibration score and is not all N/A. Every submission and score change calls
``add``/``remove`` inside its own transaction, so the totals can never disagree with the
reviews they sum; ``rebuild`` recomputes them from the reviews, grouped by the database
(after a bulk import, or to check).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat, Floor

from servewell.quality.models import Answer, QuarterTotal, Review

Kind = QuarterTotal.Kind


def quarter_of(moment: datetime) -> int:
    """``20253`` for July-September 2025. Quarters are cut in UTC."""
    return moment.year * 10 + (moment.month - 1) // 3 + 1


def last_complete_quarter(moment: datetime) -> int:
    """The quarter before ``moment``'s own (``20254`` on any day of January 2027)."""
    year, number = divmod(quarter_of(moment), 10)
    return (year - 1) * 10 + 4 if number == 1 else year * 10 + number - 1


def quarter_label(quarter: int) -> str:
    return f"{quarter // 10} Q{quarter % 10}"


def band_of(score: float) -> int:
    """0 for 0-9.99 … 9 for 90-99.99, 10 for exactly 100."""
    return min(int(score // 10), 10)


def counted_reviews() -> QuerySet[Review]:
    return Review.objects.filter(
        state=Review.State.SUBMITTED,
        is_self_review=False,
        calibration__isnull=True,
        score__isnull=False,
    )


def _current_answers(review: Review) -> QuerySet[Answer]:
    return Answer.objects.filter(
        review=review, revision=review.revision, points__isnull=False
    ).select_related("criterion")


def _rows(review: Review) -> list[tuple[str, int, str, float]]:
    """``(kind, person, key, amount)`` that one review adds to the totals."""
    score = review.score
    rows = [
        (Kind.PERSON, review.reviewee_id, "", score),
        (Kind.BAND, review.reviewee_id, str(band_of(score)), score),
        (Kind.REVIEWER, review.reviewer_id, "", score),
    ]
    scorecard = review.version.scorecard_id
    for answer in _current_answers(review):
        key = f"{scorecard}:{answer.criterion.key}"
        rows.append((Kind.CRITERION, review.reviewee_id, key, answer.points))
    return rows


def _apply(review: Review, sign: int) -> None:
    for kind, person, key, amount in _rows(review):
        where = {
            "quarter": review.quarter,
            "team_id": review.team_id,
            "person_id": person,
            "kind": kind,
            "key": key,
        }
        change = {"count": F("count") + sign, "total": F("total") + sign * amount}
        if QuarterTotal.objects.filter(**where).update(**change):
            continue
        try:
            with transaction.atomic():
                QuarterTotal.objects.create(**where, count=sign, total=sign * amount)
        except IntegrityError:  # created at the same moment by another submission
            QuarterTotal.objects.filter(**where).update(**change)


def add(review: Review) -> None:
    if review.counts and review.score is not None:
        _apply(review, 1)


def remove(review: Review) -> None:
    if review.counts and review.score is not None:
        _apply(review, -1)


def rebuild() -> int:
    """Recompute every total from the reviews and answers, grouped in the database."""
    reviews = counted_reviews().order_by()
    text = CharField()
    sources = [
        (Kind.PERSON, reviews.values("quarter", "team_id", p=F("reviewee_id"), k=Value("", text))),
        (
            Kind.BAND,
            reviews.annotate(b=Floor(F("score") / 10)).values(
                "quarter", "team_id", p=F("reviewee_id"), k=Cast(F("b"), text)
            ),
        ),
        (
            Kind.REVIEWER,
            reviews.values("quarter", "team_id", p=F("reviewer_id"), k=Value("", text)),
        ),
    ]
    totals = [(kind, qs.annotate(n=Count("id"), t=Sum("score"))) for kind, qs in sources]
    answers = (
        Answer.objects.filter(
            review__in=reviews, revision=F("review__revision"), points__isnull=False
        )
        .order_by()
        .values(
            quarter=F("review__quarter"),
            team_id=F("review__team_id"),
            p=F("review__reviewee_id"),
            k=Concat(
                Cast("review__version__scorecard_id", text),
                Value(":"),
                "criterion__key",
                output_field=text,
            ),
        )
        .annotate(n=Count("id"), t=Sum("points"))
    )
    totals.append((Kind.CRITERION, answers))
    made = 0
    with transaction.atomic():
        QuarterTotal.objects.all().delete()
        for kind, rows in totals:
            made += len(
                QuarterTotal.objects.bulk_create(
                    (
                        QuarterTotal(
                            quarter=r["quarter"],
                            team_id=r["team_id"],
                            person_id=r["p"],
                            kind=kind,
                            key=_band_key(kind, r["k"]),
                            count=r["n"],
                            total=r["t"],
                        )
                        for r in rows.iterator()
                    ),
                    batch_size=2000,
                )
            )
    return made


def _band_key(kind: str, key: str) -> str:
    """Floor() gives "9" on one database and "9.0" on another: normalise the band key."""
    if kind != Kind.BAND:
        return key
    return str(min(int(float(key)), 10))
