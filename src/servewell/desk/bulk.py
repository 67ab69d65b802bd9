"""Bulk actions on inbox rows: assign, status, priority, add or remove a tag, merge.

Each selected conversation goes through the same domain function its own page uses
(``conversations.update_conversation``, ``merging.merge``), in a transaction of its own:
scope, optimistic versions, history, events and the per-conversation audit entry all
apply as if the agent had clicked through them one by one. One refusal (a colleague
changed it meanwhile, the assignee is not in that team) skips that row and keeps the
rest, and the batch as a whole is one more audit entry that lists every conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from servewell.core import audit, refcache
from servewell.core.errors import DomainError
from servewell.core.refcache import Choice
from servewell.desk import conversations, merging
from servewell.desk.access import conversations_for
from servewell.desk.assignment import ASSIGNABLE, WORKING_ROLES
from servewell.desk.conversations import StaleVersion
from servewell.desk.models import Conversation, Priority, Status, Tag
from servewell.people.access import people_only, visible_team_ids
from servewell.people.models import User

#: Rows per batch: a page of the inbox is at most 100 rows, and each row is a transaction.
MAX_BATCH = 100
ACTIONS = {
    "assign": "Assign",
    "status": "Set status",
    "priority": "Set priority",
    "add_tag": "Add tag",
    "remove_tag": "Remove tag",
    "merge": "Merge",
}
STALE = "changed by someone else"


@dataclass(frozen=True)
class Item:
    """A selected conversation and, when the caller showed one, the version it saw."""

    id: int
    version: int | None = None


@dataclass
class BulkResult:
    action: str
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """'12 updated, 1 skipped: changed by someone else'."""
        parts = [f"{len(self.updated)} updated"]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} already so")
        if self.skipped:
            reasons: dict[str, int] = {}
            for reason in self.skipped.values():
                reasons[reason] = reasons.get(reason, 0) + 1
            why = "; ".join(f"{n}× {r}" if n > 1 else r for r, n in reasons.items())
            parts.append(f"{len(self.skipped)} skipped: {why}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"id": pk, "reason": r} for pk, r in self.skipped.items()],
            "summary": self.summary,
        }


def parse_items(values: Sequence[str]) -> list[Item]:
    """The inbox's checkboxes: 'id:version' (or a bare id)."""
    items = []
    for value in values:
        pk, _, version = str(value).partition(":")
        try:
            items.append(Item(int(pk), int(version) if version else None))
        except ValueError:
            raise DomainError("invalid", "The selection is not valid; reload the inbox.") from None
    return items


def assignable_people(user: User) -> Any:
    """Who the bulk bar offers as assignee: working people of the user's teams."""
    people = people_only().filter(role_grants__role__in=WORKING_ROLES)
    ids = visible_team_ids(user)
    if ids is not None:
        people = people.filter(memberships__team_id__in=ids)
    return people.distinct().order_by("display_name", "username")


def assignable_choices(user: User) -> list[Choice]:
    """``assignable_people`` as the bulk bar lists them (on every inbox page), kept per
    process for each set of teams (``refcache``)."""
    ids = visible_team_ids(user)
    key = ("bulk", None if ids is None else tuple(sorted(ids)))
    return refcache.get(
        ASSIGNABLE, key, lambda: [Choice(p.pk, str(p)) for p in assignable_people(user)]
    )


def apply(
    actor: User,
    items: Sequence[Item],
    *,
    action: str,
    value: Any = None,
    now: datetime | None = None,
) -> BulkResult:
    """Run one action over the selected conversations; see the module's docstring."""
    items = _check(items, action)
    change = _change(actor, action, value)
    now = now or timezone.now()
    found = _load(actor, [i.id for i in items])
    result = BulkResult(action)
    target = _merge_target(found, value, items) if action == "merge" else None
    for item in items:
        conversation = found.get(item.id)
        if conversation is None:
            result.skipped[item.id] = "not found"
        elif target is not None and conversation.pk == target.pk:
            continue  # the one the others merge into
        else:
            _one(actor, conversation, item.version, change, target, now, result)
    _audit(actor, found, items, action, value, result)
    return result


def _check(items: Sequence[Item], action: str) -> list[Item]:
    if action not in ACTIONS:
        raise DomainError("invalid", f"Unknown bulk action {action!r}.", field="action")
    unique = list({i.id: i for i in items}.values())
    if not unique:
        raise DomainError("invalid", "Select at least one conversation.", field="conversations")
    if len(unique) > MAX_BATCH:
        raise DomainError(
            "invalid",
            f"Select at most {MAX_BATCH} conversations at once ({len(unique)} were selected).",
            field="conversations",
        )
    return unique


def _change(actor: User, action: str, value: Any) -> dict[str, Any]:
    """The keyword arguments of ``update_conversation`` (tags are worked out per row)."""
    if action == "assign":
        return {"assignee": _assignee(actor, value)}
    if action == "status":
        if value not in Status.values:
            raise DomainError("invalid", "Choose a status.", field="status")
        return {"status": value}
    if action == "priority":
        if value not in Priority.values:
            raise DomainError("invalid", "Choose a priority.", field="priority")
        return {"priority": value}
    if action in ("add_tag", "remove_tag"):
        tags = conversations.clean_tags([str(value or "")])
        if not tags:
            raise DomainError("invalid", "Enter a tag.", field="tag")
        return {"tag": tags[0], "add": action == "add_tag"}
    return {}


def _assignee(actor: User, value: Any) -> User | None:
    if value in (None, "", "none"):
        return None
    if value == "me":
        return actor
    try:
        person = User.objects.filter(pk=int(value), is_active=True).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise DomainError("invalid", "No such person to assign.", field="assignee")
    return person


def _load(actor: User, ids: list[int]) -> dict[int, Conversation]:
    """The selected conversations the actor may see, in one read (tags prefetched)."""
    rows = (
        conversations_for(actor)
        .filter(pk__in=ids)
        .select_related("team", "assignee", "contact")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    return {c.pk: c for c in rows}


def _merge_target(found: dict[int, Conversation], value: Any, items: list[Item]) -> Conversation:
    try:
        target = found.get(int(str(value or "").strip().lstrip("#")))
    except ValueError:
        target = None
    if target is None or target.pk not in {i.id for i in items}:
        raise DomainError(
            "invalid", "Choose one of the selected conversations to merge into.", field="target"
        )
    if target.merged_into_id:
        raise DomainError("invalid", f"{target.reference} was merged already.", field="target")
    return target


def _one(
    actor: User,
    conversation: Conversation,
    version: int | None,
    change: dict[str, Any],
    target: Conversation | None,
    now: datetime,
    result: BulkResult,
) -> None:
    before = conversation.version
    try:
        with transaction.atomic():
            if target is not None:
                conversations.lock(conversation, version)  # merge itself asks no version
                merging.merge(actor, conversation, target, now=now)
            else:
                fresh = conversations.update_conversation(
                    actor, conversation, now=now, **_row_change(conversation, version, change)
                )
                if fresh.version == before:
                    result.unchanged.append(conversation.pk)
                    return
    except StaleVersion:
        result.skipped[conversation.pk] = STALE
        return
    except DomainError as exc:
        result.skipped[conversation.pk] = exc.message
        return
    result.updated.append(conversation.pk)


def _row_change(conversation: Conversation, version: int | None, change: dict) -> dict:
    if "tag" not in change:
        return {"expected_version": version, **change}
    tags, tag = [t.name for t in conversation.tags.all()], change["tag"]
    tags = [*tags, tag] if change["add"] else [t for t in tags if t != tag]
    # The tags were read with the row: the version they were read at guards them, so a
    # colleague's tag added meanwhile is not silently dropped.
    return {"expected_version": version or conversation.version, "tags": tags}


def _audit(
    actor: User,
    found: dict[int, Conversation],
    items: list[Item],
    action: str,
    value: Any,
    result: BulkResult,
) -> None:
    if not found:
        return
    first = found.get(items[0].id) or next(iter(found.values()))
    refs = ", ".join(f"#{i.id}" for i in items)
    audit.record(
        actor,
        f"conversation.bulk_{action}",
        first,
        after={"value": value, **result.as_dict()},
        label=f"Bulk {ACTIONS[action].lower()}: conversations {refs}",
    )
