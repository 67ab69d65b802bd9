"""Reads shared by the pages, the API, sampling and the leader dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import combinations
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from servewell.autoqa import agreement
from servewell.autoqa.models import AutoScore, Pair
from servewell.autoqa.scoring import LOW_SCORE
from servewell.core.compiled import CompiledModels
from servewell.core.contract import FigureQuery
from servewell.desk.models import Message
from servewell.quality.models import Answer, CalibrationSession, Criterion, Scale

WORTH_A_LOOK = Q(rude=True) | Q(score__lt=LOW_SCORE) | Q(sentiment="worsened")


def flagged(start: datetime, end: datetime) -> QuerySet:
    """Conversations solved in [start, end) whose auto score says a human should look."""
    return AutoScore.objects.filter(
        WORTH_A_LOOK,
        is_current=True,
        conversation__solved_at__gte=start,
        conversation__solved_at__lt=end,
    ).values_list("conversation_id", flat=True)


#: A conversation's current score, compiled once: the panel is on every conversation page.
_CURRENT = CompiledModels(
    lambda pk: AutoScore.objects.filter(conversation_id=pk, is_current=True).order_by("-id")[:1]
)


def panel(request: Any, conversation: Any) -> dict[str, Any] | None:
    score = _CURRENT.first(conversation.pk)
    if score is None:
        return None
    ids = {
        e["message"]
        for v in score.verdicts.values()
        for e in v.get("evidence", [])
        if "message" in e
    }
    order = list(
        Message.objects.filter(conversation=conversation, kind__in=("customer", "reply"))
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )
    rows = []
    for key, verdict in score.verdicts.items():
        spans = [
            {**e, "message_id": order[e["message"]] if e.get("message", -1) < len(order) else None}
            for e in verdict.get("evidence", [])
            if "message" in e
        ]
        rows.append(
            {
                "key": key,
                "value": verdict.get("value"),
                "spans": spans,
                "note": verdict.get("note", ""),
            }
        )
    return {"score": score, "rows": rows, "cited": sorted(ids)}


def _figure_scores(q: FigureQuery) -> QuerySet:
    qs = AutoScore.objects.filter(
        is_current=True, conversation__solved_at__gte=q.start, conversation__solved_at__lt=q.end
    ).exclude(abstained__gt="")
    if q.team_ids is not None:
        qs = qs.filter(team_id__in=q.team_ids)
    if q.person_id is not None:
        qs = qs.filter(conversation__assignee_id=q.person_id)
    return qs


def average_score(q: FigureQuery) -> float | None:
    value = _figure_scores(q).aggregate(v=Avg("score"))["v"]
    return None if value is None else round(value, 1)


def flagged_share(q: FigureQuery) -> float | None:
    counts = _figure_scores(q).aggregate(n=Count("id"), f=Count("id", filter=WORTH_A_LOOK))
    return None if not counts["n"] else round(100 * counts["f"] / counts["n"], 1)


def _order(scale: str) -> list[int] | None:
    return [1, 2, 3, 4, 5] if scale == Scale.ONE_TO_FIVE else None


def agreement_table() -> list[dict[str, Any]]:
    """Per linked scorecard criterion (by key): auto vs human, and human vs human from
    calibration as the ceiling."""
    pairs: dict[tuple[str, str], list] = defaultdict(list)
    scales: dict[tuple[str, str], str] = {}
    for p in Pair.objects.select_related("criterion__version__scorecard"):
        key = (p.criterion.version.scorecard.name, p.criterion.key)
        scales[key] = p.criterion.scale
        pairs[key].append((p.auto_value, p.human_value))
    ceiling = _calibration_pairs()
    rows = []
    for key in sorted(pairs):
        order = _order(scales[key])
        auto = agreement.measure(pairs[key], order)
        human = agreement.measure(ceiling.get(key, []), order)
        rows.append({"scorecard": key[0], "criterion": key[1], "auto": auto, "human": human})
    return rows


def _calibration_pairs() -> dict[tuple[str, str], list]:
    answers = Answer.objects.filter(
        review__calibration__state=CalibrationSession.State.CLOSED,
        revision=1,
    ).values_list("review__calibration_id", "criterion_id", "value")
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for session, criterion, value in answers:
        grouped[(session, criterion)].append(value)
    names = {
        c.pk: (c.version.scorecard.name, c.key)
        for c in Criterion.objects.filter(pk__in={c for _, c in grouped}).select_related(
            "version__scorecard"
        )
    }
    out: dict[tuple[str, str], list] = defaultdict(list)
    for (_, criterion), values in grouped.items():
        out[names[criterion]].extend(combinations(values, 2))
    return out
