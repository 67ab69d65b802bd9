"""Background work: the sweep that escalates overdue requests, "came back" marks, and the
conversation's rating copied onto its grants."""

from __future__ import annotations

from django.utils import timezone

from servewell.core import events
from servewell.core.jobs import periodic
from servewell.desk import conversations
from servewell.desk.models import Conversation
from servewell.experience.surveys import SURVEY_RESPONDED
from servewell.goodwill import decisions, outcomes


@periodic(minute="*/5")
def escalate_overdue_requests() -> None:
    decisions.escalate_overdue(now=timezone.now())


@events.subscribe(conversations.CONVERSATION_CREATED, durable=True, batch=True)
def on_conversation_created(batch: list[events.Event]) -> None:
    """A new conversation marks the customer's earlier goodwill as "came back". Mail
    filed together comes as one batch: one job and one read for all of it."""
    ids = [event.payload.get("conversation") for event in batch]
    created = list(Conversation.objects.filter(pk__in=ids).only("pk", "contact_id", "created_at"))
    with_goodwill = outcomes.contacts_awaiting_return(created)
    for conversation in created:
        if conversation.contact_id in with_goodwill:
            outcomes.mark_came_back(conversation)


@events.subscribe(SURVEY_RESPONDED)
def on_survey_responded(event: events.Event) -> None:
    """A CSAT answer (or a change of one) becomes the outcome the report shows beside the
    goodwill granted on that conversation. Inline, not a job: it runs after the answer's
    commit, and for the many rated conversations without goodwill it is one indexed read
    (a job would cost every answer a queue write). A failure lands in the failed-jobs
    list, where an admin replays it."""
    payload = event.payload
    if payload.get("kind") == "csat" and payload.get("conversation"):
        outcomes.keep_rating(payload["conversation"])
