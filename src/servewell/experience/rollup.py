"""Monthly counts kept in step with every send and answer (``MonthlyRollup``).

Each change is an ``UPDATE ... SET n = n + delta`` on one row, created on first use; two
writers creating the same row at once meet the unique constraint and the loser updates.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
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


def add_sent(counts: dict[tuple[str, int, int | None, date], int]) -> None:
    """Add a sweep's sends, keyed by (kind, team, person, month), in one prepared upsert
    run for every row. A batch touches a row per handler, and an UPDATE-then-INSERT
    per row cost a quarter of the whole sweep; the upsert is atomic per row, so two
    sweeps adding to a new row at once both count."""
    if not counts:
        return
    table = connection.ops.quote_name(MonthlyRollup._meta.db_table)
    month = MonthlyRollup._meta.get_field("month")
    rows = [
        (kind, team, person or 0, month.get_db_prep_save(m, connection), n)
        for (kind, team, person, m), n in counts.items()
        if n
    ]
    zeros = ", ".join(["0"] * 4)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (kind, team_id, person_id, month, sent, responses, positive,"  # noqa: S608
            f" negative, score_sum) VALUES (%s, %s, %s, %s, %s, {zeros})"
            " ON CONFLICT (kind, team_id, person_id, month)"
            f" DO UPDATE SET sent = {table}.sent + excluded.sent",
            rows,
        )


def rebuild() -> int:
    """Recount every rollup row from the surveys and responses (after a bulk import, or
    to repair); returns the number of rows written."""
    from django.db.models import Count, IntegerField, Q, Sum
    from django.db.models.functions import Coalesce, TruncMonth

    from servewell.experience.models import Survey, SurveyResponse

    rows: dict[tuple, dict[str, int]] = {}
    positive = Q(kind=SurveyKind.CSAT, score__gte=4) | Q(kind=SurveyKind.NPS, score__gte=9)
    negative = Q(kind=SurveyKind.CSAT, score__lte=2) | Q(kind=SurveyKind.NPS, score__lte=6)
    answered = (
        SurveyResponse.objects.values("kind", "team_id", "handler_id", "month")
        .annotate(
            n=Count("id"),
            good=Count("id", filter=positive),
            bad=Count("id", filter=negative),
            total=Coalesce(Sum("score"), 0, output_field=IntegerField()),
        )
        .order_by()
    )
    for r in answered:
        key = (r["kind"], r["team_id"], r["handler_id"] or 0, r["month"])
        rows.setdefault(key, {}).update(
            responses=r["n"], positive=r["good"], negative=r["bad"], score_sum=r["total"]
        )
    sent = (
        Survey.objects.filter(sent_at__isnull=False)
        .annotate(m=TruncMonth("sent_at"))
        .values("kind", "team_id", "handler_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in sent:
        month = r["m"].date() if hasattr(r["m"], "date") else r["m"]
        handler = r["handler_id"] if r["kind"] == SurveyKind.CSAT else None
        key = (r["kind"], r["team_id"], handler or 0, month_of(month))
        counts = rows.setdefault(key, {})
        counts["sent"] = counts.get("sent", 0) + r["n"]
    with transaction.atomic():
        MonthlyRollup.objects.all().delete()
        MonthlyRollup.objects.bulk_create(
            [
                MonthlyRollup(kind=k, team_id=t, person_id=p, month=m, **c)
                for (k, t, p, m), c in rows.items()
            ],
            batch_size=2000,
        )
    return len(rows)
