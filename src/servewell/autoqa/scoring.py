"""Scoring stored conversations: the engine on the desk's messages, plus response-time
compliance from the commitments clocks, kept per scorer version.

Internal notes never count (the customer never saw them); replies are the agent's
words, customer messages the customer's. Rescoring is idempotent: a conversation that
already has a score from this scorer version is skipped, so an interrupted run resumes
where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from servewell.autoqa import engine
from servewell.autoqa.models import AutoScore
from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.desk.models import Conversation, Message, MessageKind

BATCH = 500
LOW_SCORE = 60.0  # below this a conversation is worth a human look
_AUTHORS = {MessageKind.CUSTOMER: "customer", MessageKind.REPLY: "agent"}


def conversation_input(conversation: Conversation, messages: Iterable[Message]) -> dict[str, Any]:
    return {
        "id": str(conversation.pk),
        "channel": conversation.channel,
        "messages": [
            {
                "author": _AUTHORS[m.kind],
                "at": m.created_at.isoformat(),
                "text": m.body_text or m.body_html,
            }
            for m in messages
            if m.kind in _AUTHORS
        ],
    }


def response_time(clocks: Iterable[SlaClock]) -> dict[str, Any]:
    """Met when every response clock that ran was met without breach; N/A without any."""
    relevant = [
        c
        for c in clocks
        if c.kind in (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE)
        and c.state != ClockState.CANCELLED
    ]
    if not relevant:
        return {"value": None, "evidence": [], "note": "N/A: no response target applied"}
    late = [c for c in relevant if c.breached_at is not None]
    return {
        "value": not late,
        "evidence": [
            {
                "clock": c.pk,
                "kind": c.kind,
                "due_at": c.due_at.isoformat(),
                "breached": c.breached_at is not None,
            }
            for c in (late or relevant)[:3]
        ],
        "scorer": "commitments@1",
    }


def _chain(scorer: str) -> list[engine.Scorer]:
    return [engine.get_scorer(scorer)] if scorer != "rules" else []


def build_score(
    conversation: Conversation,
    messages: list[Message],
    clocks: list[SlaClock],
    *,
    scorer: str,
    now: datetime,
) -> AutoScore:
    chain = _chain(scorer)
    result = engine.score(conversation_input(conversation, messages), chain)
    verdicts = result["criteria"]
    if not result["abstained"]:
        verdicts["response_time"] = response_time(clocks)
    top = (chain or [engine.get_scorer("rules")])[-1]
    return AutoScore(
        conversation=conversation,
        team_id=conversation.team_id,
        scorer=top.name,
        version=top.version,
        language=(result["language"] or "")[:8],
        abstained=(result["abstained"] or "")[:200],
        score=result["score"],
        rude=verdicts.get("rudeness", {}).get("value") is True,
        sentiment=verdicts.get("sentiment_trend", {}).get("value") or "",
        response_time_met=verdicts.get("response_time", {}).get("value"),
        verdicts=verdicts,
        scored_at=now,
    )


def score_conversation(
    conversation: Conversation, *, now: datetime, scorer: str = "rules"
) -> AutoScore:
    """Score (or re-score) one conversation with ``scorer``'s current version."""
    messages = list(conversation.messages.order_by("created_at", "id"))
    clocks = list(SlaClock.objects.filter(conversation=conversation))
    row = build_score(conversation, messages, clocks, scorer=scorer, now=now)
    with transaction.atomic():
        AutoScore.objects.filter(
            conversation=conversation, scorer=row.scorer, version=row.version
        ).delete()
        AutoScore.objects.filter(conversation=conversation, is_current=True).update(
            is_current=False
        )
        row.save()
    return row


def rescore(
    conversations: QuerySet[Conversation],
    *,
    now: datetime,
    scorer: str = "rules",
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score every conversation of ``conversations`` lacking this scorer version, in
    batches of ``batch`` (one transaction each). Returns how many were scored."""
    top = ([engine.get_scorer(scorer)] if scorer != "rules" else [engine.get_scorer("rules")])[-1]
    done = AutoScore.objects.filter(scorer=top.name, version=top.version).values("conversation_id")
    todo = conversations.exclude(pk__in=done).order_by("pk").values_list("pk", flat=True)
    count, last = 0, 0
    while True:
        ids = list(todo.filter(pk__gt=last)[:batch])
        if not ids:
            return count
        _score_batch(ids, scorer=scorer, now=now)
        count += len(ids)
        last = ids[-1]
        if progress:
            progress(len(ids))


def _score_batch(ids: list[int], *, scorer: str, now: datetime) -> None:
    conversations = Conversation.objects.in_bulk(ids)
    messages: dict[int, list[Message]] = {i: [] for i in ids}
    for m in Message.objects.filter(conversation_id__in=ids).order_by("created_at", "id"):
        messages[m.conversation_id].append(m)
    clocks: dict[int, list[SlaClock]] = {i: [] for i in ids}
    for c in SlaClock.objects.filter(conversation_id__in=ids):
        clocks[c.conversation_id].append(c)
    rows = [
        build_score(conversations[i], messages[i], clocks[i], scorer=scorer, now=now) for i in ids
    ]
    with transaction.atomic():
        AutoScore.objects.filter(conversation_id__in=ids, is_current=True).update(is_current=False)
        AutoScore.objects.bulk_create(rows, batch_size=batch_size(rows))


def batch_size(rows: list) -> int:
    return max(1, min(len(rows), 500))


def current_score(conversation_id: int) -> AutoScore | None:
    return AutoScore.objects.filter(conversation_id=conversation_id, is_current=True).first()
