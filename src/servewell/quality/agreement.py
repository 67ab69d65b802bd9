"""Agreement between reviewers: Krippendorff's alpha and simple spreads. Pure functions.

Krippendorff's alpha (K. Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011)
compares the disagreement observed within units with the disagreement expected by chance:
``alpha = 1 - D_o / D_e``. With ``m_u`` values pairable in unit ``u`` (units with fewer
than two values are left out) and ``n = Σ m_u``:

- ``D_o = 1/n · Σ_u Σ_{i≠j in u} δ²(v_i, v_j) / (m_u - 1)``
- ``D_e = 1/(n(n-1)) · Σ_{i≠j over all pairable values} δ²(v_i, v_j)``

with ``δ²(a, b) = (a - b)²`` for interval data and ``0 if a == b else 1`` for nominal data.
Alpha is 1 for perfect agreement and 0 for agreement no better than chance; it is ``None``
when undefined (fewer than two pairable values, or no variation at all).

In calibration each criterion of a session is a unit and each reviewer a coder; values
are the answers on 0..1 (``scoring.points``), so yes/no and 1-5 criteria share one scale.
Across sessions, the units of all sessions are pooled.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


def _interval(a: float, b: float) -> float:
    return (a - b) ** 2


def _nominal(a: float, b: float) -> float:
    return 0.0 if a == b else 1.0


METRICS = {"interval": _interval, "nominal": _nominal}


def krippendorff_alpha(
    units: Iterable[Sequence[float | None]], metric: str = "interval"
) -> float | None:
    """Alpha over ``units``: each a sequence of the coders' values (``None``: missing)."""
    delta = METRICS[metric]
    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [values for values in pairable if len(values) >= 2]
    everything = [v for values in pairable for v in values]
    n = len(everything)
    if n < 2:
        return None
    observed = 0.0
    for values in pairable:
        # Each unordered pair counted twice, as the ordered sum i≠j asks.
        within = sum(delta(a, b) for a, b in combinations(values, 2))
        observed += 2 * within / (len(values) - 1)
    observed /= n
    expected = 2 * sum(delta(a, b) for a, b in combinations(everything, 2)) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    low: float
    high: float
    stdev: float  # population standard deviation: the reviewers are the whole group


def spread(values: Iterable[float | None]) -> Spread | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return Spread(
        n=len(values),
        mean=statistics.fmean(values),
        low=min(values),
        high=max(values),
        stdev=statistics.pstdev(values),
    )


def offsets(table: Mapping[str, Mapping[object, float | None]]) -> dict[str, float | None]:
    """Each coder's average distance from the group mean of the units they scored.

    ``table[coder][unit] = value``. Positive: scores above the group (lenient); negative:
    below (strict). Units only one coder scored say nothing and are skipped.
    """
    by_unit: dict[object, list[float]] = {}
    for row in table.values():
        for unit, value in row.items():
            if value is not None:
                by_unit.setdefault(unit, []).append(value)
    means = {u: statistics.fmean(v) for u, v in by_unit.items() if len(v) >= 2}
    result: dict[str, float | None] = {}
    for coder, row in table.items():
        diffs = [v - means[u] for u, v in row.items() if v is not None and u in means]
        result[coder] = statistics.fmean(diffs) if diffs else None
    return result
