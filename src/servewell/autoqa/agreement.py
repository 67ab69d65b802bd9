"""Agreement between two raters (auto and human, or a labelled set): pure functions.

Cohen's kappa, ``(p_o - p_e) / (1 - p_e)``, corrects percent agreement for the agreement
two raters would reach by chance with the same marginals. For ordered scales (1-5, or
worsened < unchanged < improved) disagreements are weighted quadratically,
``w_ij = 1 - (i - j)² / (k - 1)²`` (Cohen 1968), so 4 against 5 costs less than 1 against 5.

The 95 % interval is a percentile bootstrap over the pairs (seeded, so a page shows the
same interval twice); it needs no normality assumption and works for the weighted form.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

BOOTSTRAP = 400


@dataclass(frozen=True)
class Agreement:
    pairs: int
    kappa: float | None
    percent: float | None
    low: float | None
    high: float | None
    weighted: bool


def kappa(
    pairs: Sequence[tuple[Hashable, Hashable]], order: Sequence[Hashable] | None = None
) -> float | None:
    """Cohen's kappa; quadratic-weighted when ``order`` lists the scale's values in order.
    None when undefined (no pairs, or both raters used a single value throughout)."""
    n = len(pairs)
    if not n:
        return None
    if order is None:
        observed = sum(1 for a, b in pairs if a == b) / n
        ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
        expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
        return None if expected >= 1 else (observed - expected) / (1 - expected)
    rank = {v: i for i, v in enumerate(order)}
    k = len(order)

    def w(i: int, j: int) -> float:
        return 1 - ((i - j) ** 2) / ((k - 1) ** 2)

    xs = [(rank[a], rank[b]) for a, b in pairs if a in rank and b in rank]
    if not xs:
        return None
    n = len(xs)
    observed = sum(w(i, j) for i, j in xs) / n
    ca, cb = Counter(i for i, _ in xs), Counter(j for _, j in xs)
    expected = sum(ca[i] * cb[j] * w(i, j) for i in ca for j in cb) / (n * n)
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def measure(
    pairs: Sequence[tuple[Hashable, Hashable]],
    order: Sequence[Hashable] | None = None,
    *,
    seed: int = 7,
) -> Agreement:
    n = len(pairs)
    if not n:
        return Agreement(0, None, None, None, None, order is not None)
    value = kappa(pairs, order)
    percent = 100 * sum(1 for a, b in pairs if a == b) / n
    rng = random.Random(seed)
    samples = []
    for _ in range(BOOTSTRAP if n > 1 else 0):
        draw = [pairs[rng.randrange(n)] for _ in range(n)]
        k = kappa(draw, order)
        if k is not None:
            samples.append(k)
    samples.sort()
    low = samples[int(0.025 * (len(samples) - 1))] if samples else None
    high = samples[int(0.975 * (len(samples) - 1))] if samples else None
    return Agreement(n, value, percent, low, high, order is not None)
