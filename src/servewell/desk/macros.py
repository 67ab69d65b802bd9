"""Macros: canned replies with placeholders, which may also set the status and add tags.

Placeholders are filled by a small substitution over a fixed list of values — never by
the template engine, so neither a macro's author nor a customer's name can run template
code or reach attributes we did not choose to offer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from servewell.core import audit, refcache
from servewell.core.errors import DomainError
from servewell.desk import conversations
from servewell.desk.conversations import clean_tags
from servewell.desk.events import record_activity
from servewell.desk.models import Conversation, Macro, Message, Status
from servewell.people.access import visible_team_ids
from servewell.people.models import Team, User

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
MACRO_FIELDS = ["name", "body", "team", "set_status", "add_tags"]


def _first(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def _email(conversation: Conversation) -> str:
    row = conversation.contact.emails.order_by("-is_primary", "id").first()
    return row.address if row else ""


VALUES: dict[str, Callable[[Conversation, Any], str]] = {
    "contact.name": lambda c, a: c.contact.name,
    "contact.first_name": lambda c, a: _first(c.contact.name),
    "contact.email": lambda c, a: _email(c),
    "contact.organisation": lambda c, a: c.contact.organisation,
    "agent.name": lambda c, a: str(a) if a else "",
    "agent.first_name": lambda c, a: _first(str(a)) if a else "",
    "conversation.reference": lambda c, a: c.reference,
    "conversation.subject": lambda c, a: c.subject,
    "team.name": lambda c, a: c.team.name,
    "team.email": lambda c, a: c.team.email,
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m.group(1) for m in PLACEHOLDER.finditer(text or "")} - set(VALUES))


def render(text: str, *, conversation: Conversation, agent: Any) -> str:
    """Fill the known placeholders; leave unknown ones visible for the agent to fix."""
    cache: dict[str, str] = {}

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in VALUES:
            return match.group(0)
        if key not in cache:
            cache[key] = VALUES[key](conversation, agent) or ""
        return cache[key]

    return PLACEHOLDER.sub(fill, text or "")


#: The macros a team's composer offers, kept per process (``refcache``).
TEAM_MACROS = refcache.kind("desk.macros", Macro, Team)


def composer_macros(user: User, team: Team) -> list[Macro]:
    """``macros_for`` the conversation's team (the same for everyone who may open it), as
    the composer lists them; read only."""
    return refcache.get(TEAM_MACROS, team.pk, lambda: list(macros_for(user, team)))


def macros_for(user: User, team: Team | None = None) -> QuerySet[Macro]:
    """Shared macros and those of the user's teams (or of ``team`` only)."""
    qs = Macro.objects.select_related("team")
    if team is not None:
        return qs.filter(Q(team=None) | Q(team=team))
    ids = visible_team_ids(user)
    return qs if ids is None else qs.filter(Q(team=None) | Q(team_id__in=ids))


def _validate(name: str, body: str, set_status: str, add_tags: str) -> dict[str, Any]:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError("invalid", "Give the macro a name (up to 120 characters).", field="name")
    body = (body or "").strip()
    if not body and not set_status and not add_tags:
        raise DomainError("invalid", "A macro needs a text, a status or tags.", field="body")
    unknown = unknown_placeholders(body)
    if unknown:
        known = ", ".join("{{ %s }}" % k for k in VALUES)  # noqa: UP031
        raise DomainError(
            "invalid",
            f"Unknown placeholder(s): {', '.join(unknown)}. Known: {known}.",
            field="body",
        )
    if set_status and set_status not in Status.values:
        raise DomainError("invalid", f"Unknown status {set_status!r}.", field="set_status")
    tags = ", ".join(clean_tags((add_tags or "").split(",")))
    if len(tags) > 300:
        raise DomainError("invalid", "Too many tags.", field="add_tags")
    return {"name": name, "body": body, "set_status": set_status or "", "add_tags": tags}


def create_macro(
    actor: Any,
    *,
    name: str,
    body: str = "",
    team: Team | None = None,
    set_status: str = "",
    add_tags: str = "",
) -> Macro:
    data = _validate(name, body, set_status, add_tags)
    with transaction.atomic():
        macro = Macro.objects.create(team=team, created_by=_person(actor), **data)
        audit.record(actor, "macro.created", macro, after=audit.snapshot(macro, MACRO_FIELDS))
    return macro


def update_macro(actor: Any, macro: Macro, **changes: Any) -> Macro:
    unknown = set(changes) - set(MACRO_FIELDS)
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    merged = {f: changes.get(f, getattr(macro, f)) for f in MACRO_FIELDS}
    data = _validate(merged["name"], merged["body"], merged["set_status"], merged["add_tags"])
    with transaction.atomic():
        # "Before" from the stored row: a ModelForm bound to ``macro`` already wrote the
        # new values onto the instance.
        stored = Macro.objects.select_for_update().get(pk=macro.pk)
        before = audit.snapshot(stored, MACRO_FIELDS)
        for key, value in {**data, "team": merged["team"]}.items():
            setattr(macro, key, value)
        macro.save()
        old, new = audit.changed(before, audit.snapshot(macro, MACRO_FIELDS))
        if new:
            audit.record(actor, "macro.updated", macro, before=old, after=new)
    return macro


def delete_macro(actor: Any, macro: Macro) -> None:
    with transaction.atomic():
        audit.record(actor, "macro.deleted", macro, before=audit.snapshot(macro, MACRO_FIELDS))
        macro.delete()


def apply_macro(
    actor: User,
    conversation: Conversation,
    macro: Macro,
    *,
    expected_version: int | None,
    body_text: str | None = None,
    sign: bool = True,
    now: datetime | None = None,
) -> Message | None:
    """Reply with the macro's text (or the agent's edit of it), then set its status and
    add its tags — one transaction, one version check. ``sign=False`` leaves the author's
    signature out, as the composer's checkbox does for any other reply."""
    if macro.team_id and macro.team_id != conversation.team_id:
        raise DomainError("invalid", "This macro belongs to another team.", field="macro")
    text = render(macro.body, conversation=conversation, agent=actor)
    body = text if body_text is None else body_text
    status = macro.set_status or None
    with transaction.atomic():
        message = None
        version = expected_version
        if body.strip():
            message = conversations.reply(
                actor,
                conversation,
                body_text=body,
                expected_version=version,
                now=now,
                status=status,
                sign=sign,
            )
            conversation = conversations.lock(conversation)
            version, status = conversation.version, None
        tags = clean_tags(macro.add_tags.split(","))
        changes: dict[str, Any] = {}
        if status:
            changes["status"] = status
        if tags:
            changes["tags"] = sorted({*(t.name for t in conversation.tags.all()), *tags})
        if changes:
            conversation = conversations.update_conversation(
                actor, conversation, expected_version=version, now=now, **changes
            )
        record_activity(
            conversation,
            "macro_applied",
            actor=actor,
            now=now,
            macro=macro.pk,
            macro_name=macro.name,
        )
    return message


def _person(actor: Any) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None
