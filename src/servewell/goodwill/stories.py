"""Daily-choice stories: a moment of truth, what the person chose, how it turned out.

Everyone on staff reads the stories page; a story links only a conversation (and a
grant) its author can see, so writing one never reveals another team's customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet

from servewell.core import audit, events
from servewell.core.access import Forbidden, can
from servewell.core.errors import DomainError
from servewell.desk.access import conversations_for
from servewell.goodwill.access import STORIES_FEATURE
from servewell.goodwill.grants import Conflict
from servewell.goodwill.models import Comment, Grant, Reaction, Story
from servewell.people.models import User

STORY_RECORDED = events.declare("goodwill.story.recorded", "Someone recorded a daily-choice story.")
STORY_FEATURED = events.declare("goodwill.story.featured", "A lead featured a daily-choice story.")
STORY_OFFERED = events.declare(
    "goodwill.story.offered", "A featured story was offered to the academy as case material."
)
TEXT_LIMIT = 5000


def _text(value: Any, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError("invalid", f"Say {label}.", field=field)
    return text[:limit]


def _links(actor: User, conversation_id: int | None, grant_id: int | None) -> dict[str, Any]:
    conversation = grant = None
    if conversation_id is not None:
        conversation = conversations_for(actor).filter(pk=conversation_id).first()
        if conversation is None:
            raise DomainError("invalid", "No such conversation.", field="conversation")
    if grant_id is not None:
        visible = Grant.objects.filter(conversation__in=conversations_for(actor))
        grant = visible.filter(pk=grant_id).first()
        if grant is None:
            raise DomainError("invalid", "No such goodwill grant.", field="grant")
        if conversation is not None and grant.conversation_id != conversation.pk:
            raise DomainError(
                "invalid", "The grant belongs to another conversation.", field="grant"
            )
        conversation = conversation or grant.conversation
    return {"conversation": conversation, "grant": grant}


def record_story(
    actor: User,
    *,
    title: str,
    happened: str,
    choice: str,
    outcome: str,
    now: datetime,
    conversation_id: int | None = None,
    grant_id: int | None = None,
) -> Story:
    fields = {
        "title": _text(title, "title", "what to call it", 200),
        "happened": _text(happened, "happened", "what happened"),
        "choice": _text(choice, "choice", "what you chose"),
        "outcome": _text(outcome, "outcome", "how it turned out"),
    }
    links = _links(actor, conversation_id, grant_id)
    with transaction.atomic():
        story = Story.objects.create(author=actor, created_at=now, **fields, **links)
        audit.record(actor, "goodwill.story.recorded", story, label=story.title)
        events.publish(STORY_RECORDED, {"story": story.pk, "author": actor.pk})
    return story


def react(actor: User, story: Story, *, kind: str, now: datetime) -> bool:
    """Toggle: a second click takes the reaction back. Returns whether it is on now."""
    if kind not in Reaction.Kind.values:
        raise DomainError("invalid", "Choose a reaction.", field="kind")
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(story=story, user=actor, kind=kind).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                Reaction.objects.create(story=story, user=actor, kind=kind, created_at=now)
        except IntegrityError:  # a double click raced itself
            pass
    return True


def comment(actor: User, story: Story, *, body: str, now: datetime) -> Comment:
    body = _text(body, "body", "something")
    with transaction.atomic():
        return Comment.objects.create(story=story, author=actor, body=body, created_at=now)


def feature(actor: User, story: Story, *, featured: bool, now: datetime) -> Story:
    if not can(actor, STORIES_FEATURE):
        raise Forbidden("Only leads and managers feature stories.")
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        if not featured and story.offered_to_academy:
            raise Conflict("conflict", "The story is offered to the academy; it stays featured.")
        story.featured = featured
        story.featured_by, story.featured_at = (actor, now) if featured else (None, None)
        story.save(update_fields=["featured", "featured_by", "featured_at"])
        audit.record(
            actor, "goodwill.story.featured" if featured else "goodwill.story.unfeatured", story
        )
        if featured:
            events.publish(STORY_FEATURED, {"story": story.pk})
    return story


def offer_to_academy(actor: User, story: Story, *, now: datetime) -> Story:
    """Only a featured story: the academy takes what a lead already chose to show."""
    if not can(actor, STORIES_FEATURE):
        raise Forbidden("Only leads and managers offer stories to the academy.")
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        if not story.featured:
            raise DomainError("invalid", "Feature the story before offering it to the academy.")
        if story.offered_to_academy:
            raise Conflict("conflict", "The story is already offered to the academy.")
        story.offered_to_academy, story.offered_by, story.offered_at = True, actor, now
        story.save(update_fields=["offered_to_academy", "offered_by", "offered_at"])
        audit.record(actor, "goodwill.story.offered", story)
        events.publish(STORY_OFFERED, {"story": story.pk})
    return story


def list_stories(*, featured: bool | None = None) -> QuerySet[Story]:
    stories = Story.objects.select_related("author", "featured_by", "grant__action").annotate(
        comment_count=Count("comments", distinct=True)
    )
    if featured is not None:
        stories = stories.filter(featured=featured)
    return stories


def get_story(pk: int) -> Story:
    return (
        Story.objects.select_related("author", "featured_by", "offered_by", "grant__action")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            "reactions",
        )
        .get(pk=pk)
    )
