"""Rollups: each summable figure's numerator and denominator per day, team and person.

A figure that offers ``rollup`` is read from these rows; the periodic job recomputes
today and yesterday every few minutes (late answers and breaches land on their own
day), and ``servewell insights rebuild`` recomputes any range. Recomputing a day
replaces its rows, so a refresh can be repeated any number of times.

Reading convention: a figure whose unit is ``"count"`` is the sum of its numerators;
any other is sum(numerators) ÷ sum(denominators) × ``scale``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, Sum

from servewell.core import contract
from servewell.core.contract import Figure, FigureQuery
from servewell.insights.models import Freshness, Rollup
from servewell.insights.router import reports_db

COUNT = "count"
BATCH = 5000


def rolled_figures() -> list[Figure]:
    return [f for f in contract.figures() if f.rollup is not None]


def _rows(figure: Figure, start_day: date, end_day: date) -> Iterator[Rollup]:
    cells: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in figure.rollup(start_day, end_day):
        cell = cells[(row.day, row.team_id or 0, row.person_id or 0)]
        cell[0] += row.numerator
        cell[1] += row.denominator
    for (day, team, person), (num, den) in cells.items():
        yield Rollup(
            key=figure.key, day=day, team_id=team, person_id=person, numerator=num, denominator=den
        )


def refresh_figure(figure: Figure, start_day: date, end_day: date, *, now: datetime) -> int:
    """Replace the figure's rows for ``start_day``..``end_day`` (both included)."""
    rows = list(_rows(figure, start_day, end_day))
    with transaction.atomic():
        Rollup.objects.filter(key=figure.key, day__gte=start_day, day__lte=end_day).delete()
        Rollup.objects.bulk_create(rows, batch_size=BATCH)
        Freshness.objects.update_or_create(
            key=figure.key,
            defaults={"refreshed_at": now, "through_day": max(end_day, now.date())},
        )
    return len(rows)


def refresh(*, now: datetime, days: int = 2) -> int:
    """The periodic job's work: the last ``days`` days of every rolled-up figure."""
    today = now.date()
    start = today - timedelta(days=days - 1)
    return sum(refresh_figure(f, start, today, now=now) for f in rolled_figures())


def chunks(start_day: date, end_day: date, size: int = 31) -> list[tuple[date, date]]:
    out, day = [], start_day
    while day <= end_day:
        last = min(day + timedelta(days=size - 1), end_day)
        out.append((day, last))
        day = last + timedelta(days=1)
    return out


def rebuild(start_day: date, end_day: date, *, now: datetime, progress=lambda it, **kw: it) -> int:
    """Recompute every rolled-up figure over a range, a month at a time."""
    work = [(f, a, b) for f in rolled_figures() for a, b in chunks(start_day, end_day)]
    total = 0
    for figure, a, b in progress(work, total=len(work), desc="rollups"):
        total += refresh_figure(figure, a, b, now=now)
    return total


def _scope(key: str, query: FigureQuery) -> Q:
    q = Q(key=key)
    if query.team_ids is not None:
        q &= Q(team_id__in=query.team_ids)
    if query.person_id:
        q &= Q(person_id=query.person_id)
    return q


def daily_sums(
    keys: Iterable[str], query: FigureQuery, start: date, end: date
) -> dict[str, dict[date, tuple[float, float]]]:
    """``{key: {day: (numerator, denominator)}}`` for days in [start, end), one query."""
    scope = Q()
    for key in keys:
        scope |= _scope(key, query)
    rows = (
        Rollup.objects.using(reports_db())
        .filter(scope, day__gte=start, day__lt=end)
        .values("key", "day")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    out: dict[str, dict[date, tuple[float, float]]] = defaultdict(dict)
    for r in rows:
        out[r["key"]][r["day"]] = (r["num"], r["den"])
    return out


def value_of(figure: Figure, sums: Iterable[tuple[float, float]]) -> float | None:
    num = den = 0.0
    for n, d in sums:
        num, den = num + n, den + d
    if figure.unit == COUNT:
        return num
    return num / den * figure.scale if den else None


def freshness() -> dict[str, datetime]:
    return dict(Freshness.objects.using(reports_db()).values_list("key", "refreshed_at"))
