"""Auto-QA meets human reviews: prefill from the auto verdicts, and, when a review is
submitted, a pair of answers per linked criterion (agreement is measured on those) with
each override in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from servewell.autoqa.models import AutoScore, CriterionLink, Pair
from servewell.core import audit
from servewell.desk.models import Conversation
from servewell.quality.models import Answer, Review, Scale

_TREND = {"worsened": 1, "unchanged": 3, "improved": 5}


def as_answer(auto: str, verdict: Mapping[str, Any] | None, scale: str) -> int | None:
    """The auto verdict on the criterion's scale: yes/no as 1/0 (rudeness inverted: a
    "yes" on the scorecard means the agent was courteous), sentiment on 1-5."""
    if not verdict or verdict.get("value") is None:
        return None
    value = verdict["value"]
    if auto == "sentiment_trend":
        point = _TREND.get(value)
        return point if scale == Scale.ONE_TO_FIVE else int(value != "worsened")
    good = (not value) if auto == "rudeness" else bool(value)
    if scale == Scale.ONE_TO_FIVE:
        return 5 if good else 1
    return int(good)


def prefill(conversation: Conversation, criteria: list) -> dict[int, tuple[Any, str]]:
    score = AutoScore.objects.filter(conversation=conversation, is_current=True).first()
    if score is None or score.abstained:
        return {}
    links = dict(
        CriterionLink.objects.filter(criterion__in=criteria).values_list("criterion_id", "auto")
    )
    out = {}
    for c in criteria:
        auto = links.get(c.pk)
        verdict = score.verdicts.get(auto) if auto else None
        value = as_answer(auto, verdict, c.scale) if auto else None
        if value is None and not (verdict and c.na_allowed and verdict.get("value") is None):
            continue
        quotes = "; ".join(e.get("quote", "") for e in (verdict or {}).get("evidence", [])[:2])
        out[c.pk] = (value, f"Auto-QA ({score.scorer} {score.version}): {quotes}"[:500])
    return out


def record_pairs(review: Review, *, now: datetime) -> list[Pair]:
    """Pairs for the review's linked criteria; an answer unlike the auto one is an
    override, audited under the reviewer's name."""
    score = AutoScore.objects.filter(
        conversation_id=review.conversation_id, is_current=True
    ).first()
    if score is None or score.abstained:
        return []
    links = {
        link.criterion_id: link
        for link in CriterionLink.objects.filter(
            criterion__version=review.version_id
        ).select_related("criterion")
    }
    answers = Answer.objects.filter(review=review, revision=review.revision, criterion_id__in=links)
    pairs = []
    with transaction.atomic():
        for answer in answers:
            link = links[answer.criterion_id]
            auto_value = as_answer(link.auto, score.verdicts.get(link.auto), link.criterion.scale)
            pair, _ = Pair.objects.update_or_create(
                review=review,
                criterion_id=answer.criterion_id,
                defaults={
                    "auto": link.auto,
                    "auto_value": auto_value,
                    "human_value": answer.value,
                    "overridden": auto_value != answer.value,
                    "at": now,
                },
            )
            if pair.overridden:
                audit.record(
                    review.reviewer,
                    "autoqa.override",
                    review,
                    before={"criterion": answer.criterion_id, "auto": auto_value},
                    after={"criterion": answer.criterion_id, "human": answer.value},
                )
            pairs.append(pair)
    return pairs
