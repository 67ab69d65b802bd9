"""Accountability: how quickly each team and person answered and resolved, in business
time, against the targets — for a period."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servewell.commitments.models import ClockKind, ClockState, SlaClock


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figures:
    label: str
    key: Any
    count: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None
    breaches: int


def _figures(label: str, key: Any, taken: list[tuple[float, int]], breaches: int) -> Figures:
    values = [t for t, _ in taken]
    within = sum(1 for t, target in taken if t <= target)
    return Figures(
        label,
        key,
        len(taken),
        percentile(values, 50),
        percentile(values, 90),
        within / len(taken) if taken else None,
        breaches,
    )


def report(
    clocks: Any,
    *,
    start: datetime,
    end: datetime,
    kind: str = ClockKind.FIRST_RESPONSE,
    by: str = "team",
) -> list[Figures]:
    """``clocks``: a scoped SlaClock queryset. ``by``: "team" or "person"."""
    met = clocks.filter(kind=kind, state=ClockState.MET, met_at__gte=start, met_at__lt=end)
    if by == "team":
        key, label = "team_id", "team__name"
    elif kind == ClockKind.RESOLUTION:
        key, label = "conversation__assignee_id", "conversation__assignee__display_name"
    else:
        key, label = "responder_id", "responder__display_name"
    taken: dict[Any, list[tuple[float, int]]] = defaultdict(list)
    labels: dict[Any, str] = {}
    for k, lab, t, target in met.values_list(
        key, label, "business_seconds_taken", "target_seconds"
    ):
        taken[k].append((t or 0.0, target))
        labels[k] = lab or "—"
    breaches: dict[Any, int] = defaultdict(int)
    for k, lab in clocks.filter(kind=kind, breached_at__gte=start, breached_at__lt=end).values_list(
        key, label
    ):
        breaches[k] += 1
        labels.setdefault(k, lab or "—")
    rows = [_figures(labels[k], k, taken.get(k, []), breaches.get(k, 0)) for k in labels]
    return sorted(rows, key=lambda f: (f.label or "").lower())


def team_clocks(team_ids: list[int] | None) -> Any:
    qs = SlaClock.objects.all()
    return qs if team_ids is None else qs.filter(team_id__in=team_ids)
