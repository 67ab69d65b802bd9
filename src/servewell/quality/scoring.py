"""The score of a review: a pure function of the criteria and the answers.

Rules
-----
- Every answer becomes *points* between 0 and 1: on a yes/no criterion yes = 1 and no = 0;
  on a 1-5 criterion a value ``v`` is ``(v - 1) / 4`` (1 → 0, 3 → 0.5, 5 → 1).
- N/A (``None``) leaves the criterion out entirely: its weight counts neither above nor
  below the line. Only criteria with ``na_allowed`` may be N/A.
- The score is ``100 × Σ(weight × points) / Σ(weight)`` over the answered criteria,
  rounded to two decimals, so it is always between 0 and 100.
- A *critical* criterion fails on "no" (yes/no) or on 1 (1-5). A failed critical criterion
  makes the whole score 0, whatever else was answered.
- When nothing weighs anything — every criterion N/A, or only zero-weight ones answered —
  there is nothing to score and the result is ``None`` (reports leave such reviews out).

The arithmetic is exact (``fractions.Fraction``) and rounded once at the end, so the result
does not depend on the order of the criteria.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

YES_NO = "yes_no"
ONE_TO_FIVE = "one_to_five"
VALUES = {YES_NO: (0, 1), ONE_TO_FIVE: (1, 2, 3, 4, 5)}


class CriterionLike(Protocol):
    pk: Hashable
    weight: int
    scale: str
    na_allowed: bool
    critical: bool


@dataclass(frozen=True)
class Spec:
    """A criterion as the scoring sees it (a ``models.Criterion`` fits the same shape)."""

    pk: Hashable
    weight: int = 1
    scale: str = YES_NO
    na_allowed: bool = False
    critical: bool = False


class AnswerError(ValueError):
    """An answer the criterion does not allow; ``key`` names the criterion."""

    def __init__(self, key: Hashable, message: str):
        super().__init__(message)
        self.key = key


def points(scale: str, value: int | None) -> Fraction | None:
    """The answer on 0..1, ``None`` for N/A."""
    if value is None:
        return None
    if value not in VALUES[scale]:
        raise ValueError(f"{value!r} is not an answer on the {scale} scale")
    return Fraction(value) if scale == YES_NO else Fraction(value - 1, 4)


def fails_critical(criterion: CriterionLike, value: int | None) -> bool:
    """A critical criterion fails on its lowest answer: "no", or 1 on the 1-5 scale."""
    return criterion.critical and value is not None and value == min(VALUES[criterion.scale])


def check(criterion: CriterionLike, value: int | None) -> None:
    """Refuse an answer the criterion does not allow."""
    if value is None:
        if not criterion.na_allowed:
            raise AnswerError(criterion.pk, "This criterion cannot be N/A.")
        return
    if criterion.scale not in VALUES:
        raise AnswerError(criterion.pk, f"Unknown scale {criterion.scale!r}.")
    if isinstance(value, bool) or value not in VALUES[criterion.scale]:
        allowed = ", ".join(str(v) for v in VALUES[criterion.scale])
        raise AnswerError(criterion.pk, f"Answer one of {allowed}.")


def score(
    criteria: Iterable[CriterionLike], answers: Mapping[Hashable, int | None]
) -> float | None:
    """0-100 from the weights, N/A excluded; 0 when a critical criterion fails; ``None``
    when nothing weighs anything. Every criterion must have an answer (``None`` = N/A);
    a missing or disallowed answer raises ``AnswerError``."""
    total = Fraction(0)
    weights = 0
    failed = False
    for criterion in criteria:
        if criterion.pk not in answers:
            raise AnswerError(criterion.pk, "This criterion has no answer.")
        value = answers[criterion.pk]
        check(criterion, value)
        if value is None:
            continue
        failed = failed or fails_critical(criterion, value)
        total += criterion.weight * points(criterion.scale, value)
        weights += criterion.weight
    if failed:
        return 0.0
    if weights == 0:
        return None
    return round(float(100 * total / weights), 2)
