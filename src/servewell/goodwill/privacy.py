"""Goodwill's part of a contact's erasure (``contacts.privacy``, contributed in ``apps.py``):
reasons and story texts that name the contact are redacted; amounts, actions and dates
stay, so the spend reports still add up."""

from __future__ import annotations

import re

from django.db.models import Q

from servewell.contacts.privacy import ERASED, Erasure
from servewell.goodwill.models import Comment, Grant, Story


def _redact(text: str, phrases: list[str]) -> str:
    if not text or not phrases:
        return text
    return re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE).sub(ERASED, text)


def erase_contact_goodwill(erasure: Erasure) -> None:
    phrases = erasure.phrases
    grants = Grant.objects.filter(contact_id__in=erasure.contact_ids).only(
        "id", "reason", "decline_reason"
    )
    changed = 0
    for grant in grants:
        reason, decline = _redact(grant.reason, phrases), _redact(grant.decline_reason, phrases)
        if (reason, decline) != (grant.reason, grant.decline_reason):
            grant.reason, grant.decline_reason = reason, decline
            grant.save(update_fields=["reason", "decline_reason"])
            changed += 1
    erasure.counts["goodwill_grants"] = changed
    erasure.counts["goodwill_stories"] = _erase_stories(erasure, phrases)


def _erase_stories(erasure: Erasure, phrases: list[str]) -> int:
    """Stories linked to the contact's conversations, and any other story naming them."""
    linked = Q(conversation_id__in=erasure.conversation_ids)
    changed = 0
    if not phrases:
        return 0
    for story in Story.objects.all().only(
        "id", "title", "happened", "choice", "outcome", "conversation_id"
    ):
        fields = {
            f: _redact(getattr(story, f), phrases)
            for f in ("title", "happened", "choice", "outcome")
        }
        if any(fields[f] != getattr(story, f) for f in fields):
            Story.objects.filter(pk=story.pk).update(**fields)
            changed += 1
    stories = Story.objects.filter(linked).values("pk")
    for c in Comment.objects.filter(story__in=stories).only("id", "body"):
        body = _redact(c.body, phrases)
        if body != c.body:
            Comment.objects.filter(pk=c.pk).update(body=body)
    return changed
