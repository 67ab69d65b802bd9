"""@mentions in internal notes: who may be mentioned, and telling them.

A note is internal to the conversation's team, so only people who can see that team's
conversations may be mentioned: mentioning anyone else would hand them a link they cannot
open, or worse, tell them the conversation exists. Such a mention is refused with the
reason, and nothing of the note is saved (``composer.add_note``).
"""

from __future__ import annotations

import operator
import re
from datetime import datetime
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from servewell.core import notifications
from servewell.core.access import can
from servewell.core.errors import DomainError
from servewell.desk.access import DESK_VIEW
from servewell.desk.models import Conversation, Message
from servewell.people.access import ORG_WIDE_ROLES, people_only
from servewell.people.models import User

MENTION = notifications.declare_kind("desk.mention", "Mentions in internal notes")
#: Enough for a real note; a body naming hundreds of people is a mistake or abuse.
MAX_MENTIONS = 20
# Not after a word character: "ama@example.org" is an address, not a mention.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]*\w)")


def find_mentions(body: str) -> list[str]:
    """The usernames mentioned, lower-case, first mention first, each once."""
    seen: list[str] = []
    for name in _MENTION.findall(body or ""):
        name = name.lower()
        if name not in seen:
            seen.append(name)
    return seen


def mentionable_people(conversation: Conversation) -> QuerySet[User]:
    """People who can see the conversation: its team's members and the org-wide roles,
    without service accounts; whether their roles grant the desk is checked per person."""
    return (
        people_only()
        .filter(
            Q(memberships__team_id=conversation.team_id) | Q(role_grants__role__in=ORG_WIDE_ROLES)
        )
        .distinct()
        .order_by("display_name", "username")
    )


def suggest(conversation: Conversation, query: str, *, limit: int = 8) -> list[User]:
    """The composer's autocomplete: people who can see the conversation, by name."""
    query = (query or "").strip().lstrip("@")[:60]
    people = mentionable_people(conversation)
    if query:
        people = people.filter(
            Q(username__istartswith=query)
            | Q(display_name__istartswith=query)
            | Q(display_name__icontains=f" {query}")
        )
    return [p for p in people[: limit * 2] if can(p, DESK_VIEW)][:limit]


def resolve(conversation: Conversation, body: str) -> list[User]:
    """The people a note mentions; a refusal names every mention that cannot stand."""
    names = find_mentions(body)
    if not names:
        return []
    if len(names) > MAX_MENTIONS:
        raise DomainError(
            "invalid", f"Mention at most {MAX_MENTIONS} people in one note.", field="body_text"
        )
    by_name = reduce(operator.or_, (Q(username__iexact=n) for n in names))
    found = {u.username.lower(): u for u in User.objects.filter(by_name)}
    candidates = mentionable_people(conversation).filter(pk__in=[u.pk for u in found.values()])
    allowed = set(candidates.values_list("pk", flat=True))
    problems, people = [], []
    for name in names:
        person = found.get(name)
        if person is None or not person.is_active:
            problems.append(f"nobody is called @{name}")
        elif person.pk not in allowed or not can(person, DESK_VIEW):
            problems.append(f"{person} (@{name}) cannot see conversations of {conversation.team}")
        else:
            people.append(person)
    if problems:
        raise DomainError(
            "invalid",
            "Mention refused: " + "; ".join(problems) + ". Nothing was saved.",
            field="body_text",
        )
    return people


def notify_mentioned(
    actor: Any, conversation: Conversation, message: Message, people: list[User], *, now: datetime
) -> None:
    """One notification per person mentioned (the author is not told about themselves)."""
    others = [p for p in people if p.pk != getattr(actor, "pk", None)]
    if not others:
        return
    excerpt = message.body_text if len(message.body_text) <= 300 else message.body_text[:299] + "…"
    notifications.notify(
        others,
        f"{actor} mentioned you on {conversation.reference}",
        body=f"In an internal note on “{conversation.subject}”:\n{excerpt}",
        url=reverse("desk-conversation", args=[conversation.pk]) + f"#m{message.pk}",
        kind=MENTION,
        topic=f"conversation:{conversation.pk}",
        topic_label=conversation.reference,
        now=now,
    )
