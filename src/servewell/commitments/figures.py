"""Commitments' figures for the leader dashboard (offered through the app contract).

Every value comes from ``accountability`` — the same filters, the same nearest-rank
percentile — so the dashboard and the accountability report agree to the second.
Days of a rollup are UTC days of the moment that counts (``met_at``, ``breached_at``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from servewell.commitments import accountability, aging
from servewell.commitments.access import COMMITMENTS_VIEW
from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.core.contract import Figure, FigureQuery, RollupRow
from servewell.desk.models import Conversation

#: Open conversations at least this old count in the aging backlog (the aging board's
#: "3–7 d" bucket and older).
BACKLOG_DAYS = aging.BUCKETS[2][1]
FIRST = ClockKind.FIRST_RESPONSE


def _bounds(start_day: date, end_day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start_day, time.min, tzinfo=UTC),
        datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _clocks(query: FigureQuery) -> QuerySet[SlaClock]:
    return accountability.team_clocks(
        None if query.team_ids is None else list(query.team_ids)
    ).filter(kind=FIRST)


def met_clocks(query: FigureQuery) -> QuerySet[SlaClock]:
    """First-response clocks met in the period (what the report's times are taken from)."""
    qs = _clocks(query).filter(state=ClockState.MET, met_at__gte=query.start, met_at__lt=query.end)
    return qs.filter(responder_id=query.person_id) if query.person_id else qs


def breached_clocks(query: FigureQuery) -> QuerySet[SlaClock]:
    """First-response clocks that breached in the period (the report's breaches)."""
    qs = _clocks(query).filter(breached_at__gte=query.start, breached_at__lt=query.end)
    if query.person_id:
        qs = qs.filter(conversation__assignee_id=query.person_id)
    return qs


def _overall(query: FigureQuery) -> accountability.Figures:
    """The period's met clocks, unordered (the model's default order sorted them for
    nothing) and without counting the breaches, which only the breaches figure shows."""
    taken = [
        (t or 0.0, target)
        for t, target in met_clocks(query)
        .order_by()
        .values_list("business_seconds_taken", "target_seconds")
    ]
    return accountability._figures("all", None, taken, 0)


def first_response_median(query: FigureQuery) -> float | None:
    return _overall(query).median_s


def first_response_p90(query: FigureQuery) -> float | None:
    return _overall(query).p90_s


def within_commitment(query: FigureQuery) -> float | None:
    return _overall(query).within_target


def breaches(query: FigureQuery) -> float | None:
    return float(breached_clocks(query).count())


def backlog_conversations(query: FigureQuery, *, now: datetime | None = None) -> QuerySet:
    """Open conversations older than the backlog age, as of now (a snapshot). By
    ``is_open``, one range of an index (with the team first when scoped), not the
    status list; a merged conversation is closed, so it is never open."""
    now = now or timezone.now()
    qs = Conversation.objects.filter(
        is_open=True, created_at__lte=now - timedelta(days=BACKLOG_DAYS)
    )
    if query.team_ids is not None:
        qs = qs.filter(team_id__in=query.team_ids)
    return qs.filter(assignee_id=query.person_id) if query.person_id else qs


def aging_backlog(query: FigureQuery) -> float | None:
    return float(backlog_conversations(query).count())


def within_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    start, end = _bounds(start_day, end_day)
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    met = SlaClock.objects.filter(
        kind=FIRST, state=ClockState.MET, met_at__gte=start, met_at__lt=end
    ).annotate(day=TruncDate("met_at", tzinfo=UTC))
    for day, team, person, taken, target in met.values_list(
        "day", "team_id", "responder_id", "business_seconds_taken", "target_seconds"
    ):
        cell = sums[(day, team, person)]
        cell[0] += 1 if (taken or 0.0) <= target else 0
        cell[1] += 1
    for (day, team, person), (num, den) in sums.items():
        yield RollupRow(day, team, person, num, den)


def breaches_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    start, end = _bounds(start_day, end_day)
    counts: dict[tuple, int] = defaultdict(int)
    rows = SlaClock.objects.filter(kind=FIRST, breached_at__gte=start, breached_at__lt=end)
    for day, team, person in rows.annotate(day=TruncDate("breached_at", tzinfo=UTC)).values_list(
        "day", "team_id", "conversation__assignee_id"
    ):
        counts[(day, team, person)] += 1
    for (day, team, person), n in counts.items():
        yield RollupRow(day, team, person, float(n))


DRILL = "insights-drill"
FIGURES = (
    Figure(
        "responsiveness.first_response_median",
        "First response, median",
        "Median business time to the first reply of conversations whose first-response "
        "commitment was met in the period (nearest rank, as in the accountability report).",
        "s",
        compute=first_response_median,
        perm=COMMITMENTS_VIEW,
        drill=DRILL,
        higher_is_better=False,
    ),
    Figure(
        "responsiveness.first_response_p90",
        "First response, p90",
        "Nine in ten first replies came within this business time (nearest rank).",
        "s",
        compute=first_response_p90,
        perm=COMMITMENTS_VIEW,
        drill=DRILL,
        higher_is_better=False,
    ),
    Figure(
        "responsiveness.within_commitment",
        "Within commitment",
        "Share of first replies in the period that came within the team's promised time.",
        "%",
        compute=within_commitment,
        perm=COMMITMENTS_VIEW,
        drill=DRILL,
        rollup=within_rollup,
        scale=100,
    ),
    Figure(
        "responsiveness.breaches",
        "Breaches",
        "First-response commitments broken in the period (the moment the promise ran out).",
        "count",
        compute=breaches,
        perm=COMMITMENTS_VIEW,
        drill=DRILL,
        higher_is_better=False,
        rollup=breaches_rollup,
    ),
    Figure(
        "responsiveness.aging_backlog",
        "Aging backlog",
        f"Open conversations older than {BACKLOG_DAYS} days, right now.",
        "count",
        compute=aging_backlog,
        perm=COMMITMENTS_VIEW,
        drill=DRILL,
        higher_is_better=False,
    ),
)
