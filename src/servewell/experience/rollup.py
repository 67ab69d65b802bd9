"""Monthly counts kept in step with every send and answer (``MonthlyRollup``).

Each change is an ``UPDATE ... SET n = n + delta`` on one row, created on first use; two
writers creating the same row at once meet the unique constraint and the loser updates.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from servewell.experience.models import MonthlyRollup, SurveyKind


def month_of(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def score_counts(kind: str, score: int) -> dict[str, int]:
    """The rollup columns one answer adds to."""
    if kind == SurveyKind.CSAT:
        positive, negative = score >= 4, score <= 2
    else:
        positive, negative = score >= 9, score <= 6
    return {
        "responses": 1,
        "positive": int(positive),
        "negative": int(negative),
        "score_sum": score,
    }


def bump(
    *, kind: str, team_id: int, person_id: int | None, month: date, sign: int = 1, **counts: int
) -> None:
    key = {"kind": kind, "team_id": team_id, "person_id": person_id or 0, "month": month}
    changes = {name: F(name) + sign * value for name, value in counts.items() if value}
    if not changes:
        return
    if MonthlyRollup.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            MonthlyRollup.objects.create(**key, **{n: sign * v for n, v in counts.items()})
    except IntegrityError:
        MonthlyRollup.objects.filter(**key).update(**changes)
