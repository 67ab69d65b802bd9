"""How auto-QA hears about the desk and quality: each solved conversation is scored by a
job right after the change commits; each submitted review yields agreement pairs."""

from __future__ import annotations

from django.utils import timezone

from servewell.autoqa import reviews, scoring
from servewell.core import events
from servewell.desk import conversations
from servewell.desk.models import Conversation, Status
from servewell.quality import reviews as quality_reviews
from servewell.quality.models import Review


@events.subscribe(conversations.CONVERSATION_UPDATED, durable=True)
def on_updated(event: events.Event) -> None:
    if event.payload.get("status") not in (Status.SOLVED, Status.CLOSED):
        return
    conversation = Conversation.objects.filter(pk=event.payload.get("conversation")).first()
    if conversation is not None:
        scoring.score_conversation(conversation, now=event.occurred_at)


@events.subscribe(quality_reviews.REVIEW_SUBMITTED, durable=True)
def on_review(event: events.Event) -> None:
    review = Review.objects.filter(pk=event.payload.get("review")).first()
    if review is not None:
        reviews.record_pairs(review, now=timezone.now())
