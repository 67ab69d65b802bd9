"""Conversations: the one place where a conversation is opened, added to or changed.

Every change writes an Activity row (the conversation's history), an audit entry where a
person made it, publishes a domain event after commit and refreshes the search document —
whatever door it came from (mail intake, web form, phone, API, UI).

Concurrency: a change made by a person carries the ``version`` they were looking at.
The row is locked, the version compared, and a stale one refused with ``StaleVersion``
(HTTP 409) carrying the fresh state and what changed since — never silently overwritten.
Every change, a customer's new message included, bumps the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from servewell.contacts.models import Contact
from servewell.core import audit, events
from servewell.core.compiled import CompiledModels
from servewell.core.errors import DomainError
from servewell.desk import assignment, collisions, search
from servewell.desk.events import (
    CONVERSATION_ASSIGNED,
    CONVERSATION_CREATED,
    CONVERSATION_FOLLOWED,
    CONVERSATION_REOPENED,
    CONVERSATION_UPDATED,
    MESSAGE_RECEIVED,
    MESSAGE_REPLIED,
    NOTE_ADDED,
    event_payload,
    record_activity,
)
from servewell.desk.models import (
    Activity,
    Channel,
    Conversation,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
)
from servewell.people import accounts
from servewell.people.models import Team, User

#: Channels whose public replies go out by email (the web form left an address).
EMAIL_CHANNELS = (Channel.EMAIL, Channel.WEB)
MAX_BODY = 100_000
STATE_FIELDS = ["status", "priority", "team", "assignee"]


class StaleVersion(DomainError):
    """Someone changed the conversation after the caller loaded it."""

    status = 409

    def __init__(self, conversation: Conversation, since: list[str]):
        summary = "; ".join(since) if since else "it was changed"
        super().__init__(
            "conflict",
            f"This conversation changed since you opened it ({summary}). "
            "Nothing was saved: review the latest state and try again.",
        )
        self.conversation = conversation
        self.since = since

    def as_dict(self) -> dict:
        return {
            "detail": self.message,
            "code": self.code.value,
            "changes": self.since,
            "current": state_of(self.conversation),
        }


def state_of(conversation: Conversation) -> dict[str, Any]:
    """The fields a colleague may have changed, as plain JSON."""
    return {
        "id": conversation.pk,
        "version": conversation.version,
        "subject": conversation.subject,
        "status": conversation.status,
        "priority": conversation.priority,
        "team": conversation.team_id,
        "assignee": conversation.assignee_id,
        "tags": sorted(t.name for t in conversation.tags.all()),
        "updated_at": conversation.updated_at.isoformat(),
    }


# --- Shared helpers ----------------------------------------------------------------------


def _person(actor: Any) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def lock(conversation: Conversation | int, expected_version: int | None = None) -> Conversation:
    """Re-read the row under a lock; refuse when the caller's version is stale.

    A merged conversation is a pointer, not a place to work: changes to it are refused
    (``merging.merge`` locks with ``lock_any``)."""
    fresh = lock_any(conversation, expected_version)
    if fresh.merged_into_id:
        raise DomainError(
            "invalid",
            f"{fresh.reference} was merged into #{fresh.merged_into_id}: continue there.",
        )
    return fresh


#: Every change to a conversation starts here: compiled once (``core.compiled``).
_LOCKED = CompiledModels(
    lambda pk: (
        Conversation.objects.filter(pk=pk)
        .select_for_update(of=("self",))
        .select_related("team", "assignee", "contact")
    )
)


def lock_any(conversation: Conversation | int, expected_version: int | None = None) -> Conversation:
    pk = conversation.pk if isinstance(conversation, Conversation) else conversation
    fresh = _LOCKED.first(pk)
    if fresh is None:
        raise Conversation.DoesNotExist(pk)
    if expected_version is not None and int(expected_version) != fresh.version:
        raise StaleVersion(fresh, _changes_since(fresh, int(expected_version)))
    return fresh


def lock_live(conversation: Conversation | int) -> Conversation:
    """Lock the conversation that now holds the messages, following merge pointers: a
    customer writing to a merged conversation's reference reaches its target."""
    fresh, seen = lock_any(conversation), set()
    while fresh.merged_into_id and fresh.pk not in seen:
        seen.add(fresh.pk)
        fresh = lock_any(fresh.merged_into_id)
    return fresh


def _changes_since(conversation: Conversation, version: int) -> list[str]:
    rows = (
        Activity.objects.filter(conversation=conversation, data__v__gt=version)
        .select_related("actor")
        .order_by("-at", "-id")[:4]
    )
    return [describe(a) for a in reversed(list(rows))]


VERBS = {
    "opened": "opened the conversation",
    "customer_wrote": "the customer wrote",
    "reopened": "the conversation was reopened",
    "replied": "replied",
    "note_added": "added a note",
    "status_changed": "set the status to {to}",
    "priority_changed": "set the priority to {to}",
    "team_changed": "moved it to another team",
    "assigned": "assigned it to {to_name}",
    "unassigned": "unassigned it",
    "tags_changed": "changed the tags",
    "merged_into": "merged it into #{target}",
    "merged_from": "merged #{source} into it",
    "split_to": "split a message into #{other}",
    "split_from": "split from #{other}",
    "call_logged": "logged a call",
    "macro_applied": "applied the macro “{macro_name}”",
}


def describe(activity: Activity) -> str:
    """One readable line of history: 'Lena Lindqvist set the status to pending'."""
    template = VERBS.get(activity.verb, activity.verb.replace("_", " "))
    if activity.verb == "assigned" and activity.data.get("by") == "round_robin":
        template = "round-robin assigned it to {to_name}"
    data = dict(activity.data)
    labels = {"status_changed": Status, "priority_changed": Priority}.get(activity.verb)
    if labels is not None and data.get("to") in labels.values:
        data["to"] = labels(data["to"]).label.lower()  # "on hold", never "on_hold"
    try:
        text = template.format(**data)
    except (KeyError, IndexError, ValueError):
        text = activity.verb.replace("_", " ")
    who = str(activity.actor) if activity.actor_id else ""
    return f"{who} {text}".strip() if who else text[:1].upper() + text[1:]


def _clean_body(body_text: str, field: str = "body_text") -> str:
    body = (body_text or "").strip()
    if not body:
        raise DomainError("invalid", "Write something first.", field=field)
    if len(body) > MAX_BODY:
        raise DomainError("invalid", f"Keep it under {MAX_BODY:,} characters.", field=field)
    return body


def _bump(conversation: Conversation, now: datetime, *fields: str) -> None:
    conversation.version += 1
    conversation.updated_at = now
    conversation.save(update_fields=["version", "updated_at", *fields])
    collisions.announce_versions({conversation.pk: conversation.version})


def clean_tags(names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = (name or "").strip().lower()[:60]
        if name and name not in seen:
            seen.append(name)
    return seen


def _tags(names: Sequence[str]) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in clean_tags(names)]


# --- Opening and customer messages -------------------------------------------------------


def create_conversation(
    *,
    team: Team,
    contact: Contact,
    subject: str,
    channel: str,
    now: datetime,
    priority: str = Priority.NORMAL,
    status: str = Status.NEW,
    actor: Any = None,
    tags: Sequence[str] = (),
    auto_submitted: bool = False,
) -> Conversation:
    """The row, its tags, the 'opened' activity, the event and round-robin assignment.

    Callers add the first message (customer message, call, split message) themselves.
    """
    opening = Opening(
        team=team,
        contact=contact,
        subject=subject,
        channel=channel,
        now=now,
        priority=priority,
        status=status,
        actor=actor,
        tags=tags,
        auto_submitted=auto_submitted,
    )
    return _create_many([opening], customer_wrote=False)[0]


@dataclass
class Opening:
    """One conversation to open, with its first customer message (``open_conversations``)."""

    team: Team
    contact: Contact
    subject: str
    channel: str
    now: datetime
    body_text: str = ""
    body_html: str = ""
    priority: str = Priority.NORMAL
    status: str = Status.NEW
    actor: Any = None
    inbound: models.Model | None = None  # the mail channel's InboundEmail
    email_message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    tags: Sequence[str] = ()
    auto_submitted: bool = False


def _create_many(openings: Sequence[Opening], *, customer_wrote: bool) -> list[Conversation]:
    """Rows, tags, 'opened' activities, events and round-robin turns for many at once:
    each conversation gets exactly what one opened alone gets, in bulk inserts."""
    rows = []
    for o in openings:
        if o.channel not in Channel.values:
            raise DomainError("invalid", f"Unknown channel {o.channel!r}.", field="channel")
        if o.priority not in Priority.values:
            raise DomainError("invalid", f"Unknown priority {o.priority!r}.", field="priority")
        rows.append(
            Conversation(
                subject=" ".join((o.subject or "").split())[:300] or "(no subject)",
                channel=o.channel,
                team=o.team,
                contact=o.contact,
                priority=o.priority,
                status=o.status,
                created_at=o.now,
                updated_at=o.now,
                last_customer_message_at=o.now if customer_wrote else None,
            )
        )
    with transaction.atomic():
        created = Conversation.objects.bulk_create(rows)
        Activity.objects.bulk_create(
            Activity(
                conversation=c,
                verb="opened",
                data={"channel": c.channel, "v": c.version},
                actor=o.actor if getattr(o.actor, "pk", None) else None,
                at=o.now,
            )
            for c, o in zip(created, openings, strict=True)
        )
        for conversation, o in zip(created, openings, strict=True):
            if o.tags:
                conversation.tags.set(_tags(o.tags))
        events.publish_many(
            CONVERSATION_CREATED,
            (
                event_payload(
                    c, contact=o.contact.pk, subject=c.subject, auto_submitted=o.auto_submitted
                )
                for c, o in zip(created, openings, strict=True)
            ),
        )
        turns = assignment.round_robin_teams({c.team_id for c in created})
        for conversation, o in zip(created, openings, strict=True):
            if conversation.team_id in turns:
                assignment.auto_assign(conversation, now=o.now)
    return created


def open_conversation(**fields: Any) -> tuple[Conversation, Message]:
    """Open a conversation with its first customer message (fields of ``Opening``)."""
    return open_conversations([Opening(**fields)])[0]


def open_conversations(openings: Sequence[Opening]) -> list[tuple[Conversation, Message]]:
    """Open many conversations, each with its first customer message, in one transaction.

    Mail intake files a batch of new mail this way: bulk inserts and one search update
    instead of a dozen statements per email. The search documents are built from the
    messages in hand, not read back."""
    with transaction.atomic():
        created = _create_many(openings, customer_wrote=True)
        messages = Message.objects.bulk_create(
            Message(
                conversation=c,
                kind=MessageKind.CUSTOMER,
                contact=o.contact,
                body_text=o.body_text,
                body_html=o.body_html,
                created_at=o.now,
                inbound=o.inbound,
                email_message_id=o.email_message_id,
                in_reply_to=o.in_reply_to,
                references=o.references,
            )
            for c, o in zip(created, openings, strict=True)
        )
        search.index_conversations(
            (c.pk, c.subject, search.document_body([(m.body_text, m.body_html)]), c.team_id)
            for c, m in zip(created, messages, strict=True)
        )
    return list(zip(created, messages, strict=True))


def add_customer_message(
    conversation: Conversation | int,
    *,
    contact: Contact,
    now: datetime,
    body_text: str = "",
    body_html: str = "",
    inbound: models.Model | None = None,
    email_message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    kind: str = MessageKind.CUSTOMER,
) -> Message:
    """A customer wrote again: the conversation comes back to the team's attention.

    Written to a merged conversation, the message lands in the one it was merged into."""
    with transaction.atomic(savepoint=False):  # the caller's transaction, if any, is ours
        conversation = lock_live(conversation)
        message = Message.objects.create(
            conversation=conversation,
            kind=kind,
            contact=contact,
            body_text=body_text,
            body_html=body_html,
            created_at=now,
            inbound=inbound,
            email_message_id=email_message_id,
            in_reply_to=in_reply_to,
            references=references,
        )
        reopened = conversation.status in (Status.SOLVED, Status.CLOSED, Status.PENDING)
        previous = conversation.status
        if reopened:
            conversation.status = Status.OPEN
            conversation.solved_at = None
        conversation.last_customer_message_at = now
        _bump(conversation, now, "status", "solved_at", "last_customer_message_at")
        record_activity(conversation, "customer_wrote", now=now, message=message.pk)
        events.publish(
            MESSAGE_RECEIVED,
            event_payload(conversation, message=message.pk, at=message.created_at.isoformat()),
        )
        if reopened and previous != Status.PENDING:
            record_activity(conversation, "reopened", now=now, previous=previous)
            events.publish(
                CONVERSATION_REOPENED,
                event_payload(conversation, previous=previous, at=now.isoformat()),
            )
        search.index_conversation(conversation.pk, conversation)  # locked: fresh
    return message


def add_customer_messages(
    batch: Sequence[tuple[Conversation | int, dict[str, Any]]],
) -> list[Message]:
    """``add_customer_message`` for many, in order (mail intake files a batch of
    replies): each conversation and message ends as if they had been added one by one,
    with one locking read, bulk inserts, one update per conversation, one search update
    and the events published together. ``batch``: (conversation, the keyword arguments
    of ``add_customer_message``)."""
    if not batch:
        return []
    with transaction.atomic(savepoint=False):
        live = _lock_live_many([c.pk if isinstance(c, Conversation) else c for c, _ in batch])
        messages = Message.objects.bulk_create(
            Message(
                conversation=live[c.pk if isinstance(c, Conversation) else c],
                kind=fields.get("kind", MessageKind.CUSTOMER),
                contact=fields["contact"],
                body_text=fields.get("body_text", ""),
                body_html=fields.get("body_html", ""),
                created_at=fields["now"],
                inbound=fields.get("inbound"),
                email_message_id=fields.get("email_message_id", ""),
                in_reply_to=fields.get("in_reply_to", ""),
                references=fields.get("references", ""),
            )
            for c, fields in batch
        )
        activities, received, reopened_events, touched = [], [], [], {}
        for message, (_c, fields) in zip(messages, batch, strict=True):
            conversation, now = message.conversation, fields["now"]
            previous = conversation.status
            reopened = previous in (Status.SOLVED, Status.CLOSED, Status.PENDING)
            if reopened:
                conversation.status, conversation.solved_at = Status.OPEN, None
            conversation.last_customer_message_at = now
            conversation.version += 1
            conversation.updated_at = now
            touched[conversation.pk] = conversation
            activities.append(_activity(conversation, "customer_wrote", now, message=message.pk))
            received.append(
                event_payload(conversation, message=message.pk, at=message.created_at.isoformat())
            )
            if reopened and previous != Status.PENDING:
                activities.append(_activity(conversation, "reopened", now, previous=previous))
                reopened_events.append(
                    event_payload(conversation, previous=previous, at=now.isoformat())
                )
        for conversation in touched.values():
            conversation.save(
                update_fields=[
                    "version",
                    "updated_at",
                    "status",
                    "solved_at",
                    "last_customer_message_at",
                ]
            )
        Activity.objects.bulk_create(activities)
        collisions.announce_versions({pk: c.version for pk, c in touched.items()})
        events.publish_many(MESSAGE_RECEIVED, received)
        events.publish_many(CONVERSATION_REOPENED, reopened_events)
        search.index_live_conversations(list(touched.values()))
    return messages


def _activity(conversation: Conversation, verb: str, at: datetime, **data: Any) -> Activity:
    """``record_activity``'s row, unsaved (for a bulk insert)."""
    return Activity(
        conversation=conversation, verb=verb, data={**data, "v": conversation.version}, at=at
    )


def _lock_live_many(ids: Sequence[int]) -> dict[int, Conversation]:
    """``lock_live`` of each id in one read: id -> the live conversation, one object per
    live conversation however many ids lead to it."""
    rows = {
        c.pk: c
        for c in Conversation.objects.select_for_update(of=("self",))
        .select_related("team", "assignee", "contact")
        .filter(pk__in=set(ids))
    }
    live: dict[int, Conversation] = {}
    out: dict[int, Conversation] = {}
    for pk in ids:
        if pk in out:
            continue
        found = rows.get(pk)
        if found is None:
            raise Conversation.DoesNotExist(f"No conversation #{pk}.")
        if found.merged_into_id:
            found = lock_live(found)
        out[pk] = live.setdefault(found.pk, rows.get(found.pk, found))
    return out


# --- Agents' work ------------------------------------------------------------------------


def reply(
    actor: User,
    conversation: Conversation,
    *,
    body_text: str,
    expected_version: int | None,
    now: datetime | None = None,
    status: str | None = None,
    deliver: bool = True,
    sign: bool = True,
) -> Message:
    """A public reply. By default the conversation then waits on the customer (pending),
    and the author's signature (``people.accounts.signature_for``) ends it unless
    ``sign=False``: added here, so every door (composer, API, macros) signs alike.

    The first reply sets ``first_response_at``; an unassigned conversation goes to the
    person who answered it. ``deliver=False`` records history without sending it
    (imported or demo data); otherwise the mail pipeline, subscribed to
    ``MESSAGE_REPLIED``, sends email and web replies after commit.
    """
    body = _clean_body(body_text)
    if sign:
        body = accounts.with_signature(body, actor)
    if status is not None and status not in Status.values:
        raise DomainError("invalid", f"Unknown status {status!r}.", field="status")
    now = now or timezone.now()
    with transaction.atomic():
        conversation = lock(conversation, expected_version)
        before = audit.snapshot(conversation, STATE_FIELDS)
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.REPLY,
            author=actor,
            body_text=body,
            created_at=now,
        )
        if status is None:
            opened = (Status.NEW, Status.OPEN)
            status = Status.PENDING if conversation.status in opened else conversation.status
        fields = _apply_status(conversation, status, now)
        if conversation.first_response_at is None:
            conversation.first_response_at = now
            fields.append("first_response_at")
        if conversation.assignee_id is None and _person(actor):
            conversation.assignee = actor
            fields.append("assignee")
        _bump(conversation, now, *fields)
        record_activity(conversation, "replied", actor=actor, now=now, message=message.pk)
        _record_changes(actor, conversation, before, now)
        audit.record(actor, "conversation.replied", conversation, after={"message": message.pk})
        events.publish(
            MESSAGE_REPLIED,
            event_payload(
                conversation, message=message.pk, author=getattr(actor, "pk", None), deliver=deliver
            ),
        )
        search.index_conversation(conversation.pk)
    return message


def add_note(
    actor: User, conversation: Conversation, *, body_text: str, now: datetime | None = None
) -> Message:
    """An internal note: never sent, never changes status. Notes do not conflict (they
    add, they do not overwrite), so no version is asked; they still bump it, so that a
    colleague about to reply is told something new was said."""
    body = _clean_body(body_text)
    now = now or timezone.now()
    with transaction.atomic():
        conversation = lock(conversation)
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.NOTE,
            author=actor,
            body_text=body,
            created_at=now,
        )
        _bump(conversation, now)
        record_activity(conversation, "note_added", actor=actor, now=now, message=message.pk)
        audit.record(actor, "conversation.note_added", conversation, after={"message": message.pk})
        events.publish(
            NOTE_ADDED,
            event_payload(conversation, message=message.pk, author=getattr(actor, "pk", None)),
        )
        search.index_conversation(conversation.pk)
    return message


_UNSET: Any = object()


def update_conversation(
    actor: Any,
    conversation: Conversation,
    *,
    expected_version: int | None,
    status: str = _UNSET,
    priority: str = _UNSET,
    team: Team | None = _UNSET,
    assignee: User | None = _UNSET,
    tags: Sequence[str] = _UNSET,
    now: datetime | None = None,
) -> Conversation:
    """Change any of status, priority, team, assignee, tags; only what is passed changes.

    Moving to a team the assignee is not a member of unassigns it (and round-robin in the
    new team may pick someone). ``assignee=None`` unassigns.
    """
    if status is not _UNSET and status not in Status.values:
        raise DomainError("invalid", f"Unknown status {status!r}.", field="status")
    if priority is not _UNSET and priority not in Priority.values:
        raise DomainError("invalid", f"Unknown priority {priority!r}.", field="priority")
    if team is not _UNSET and (team is None or not team.is_active):
        raise DomainError("invalid", "Choose an active team.", field="team")
    now = now or timezone.now()
    with transaction.atomic():
        conversation = lock(conversation, expected_version)
        before = audit.snapshot(conversation, STATE_FIELDS)
        old_tags = sorted(t.name for t in conversation.tags.all())
        fields: list[str] = []
        if status is not _UNSET:
            fields += _apply_status(conversation, status, now)
        if priority is not _UNSET and priority != conversation.priority:
            conversation.priority = priority
            fields.append("priority")
        if team is not _UNSET and team.pk != conversation.team_id:
            conversation.team = team
            fields.append("team")
            if assignee is _UNSET and conversation.assignee_id:
                if not assignment.can_be_assigned(conversation.assignee, team):
                    conversation.assignee = None
                    fields.append("assignee")
        if assignee is not _UNSET and getattr(assignee, "pk", None) != conversation.assignee_id:
            if assignee is not None and not assignment.can_be_assigned(assignee, conversation.team):
                raise DomainError(
                    "invalid",
                    f"{assignee} is not an agent of {conversation.team}.",
                    field="assignee",
                )
            conversation.assignee = assignee
            fields.append("assignee")
        new_tags = old_tags if tags is _UNSET else sorted(clean_tags(tags))
        if not fields and new_tags == old_tags:
            return conversation
        _bump(conversation, now, *dict.fromkeys(fields))
        if new_tags != old_tags:
            conversation.tags.set(_tags(new_tags))
            added = sorted(set(new_tags) - set(old_tags))
            removed = sorted(set(old_tags) - set(new_tags))
            record_activity(
                conversation, "tags_changed", actor=actor, now=now, added=added, removed=removed
            )
        changed = _record_changes(actor, conversation, before, now, tags=(old_tags, new_tags))
        if "team" in fields:
            search.index_conversation(conversation.pk)  # the document carries the team
            if conversation.assignee_id is None:
                assignment.auto_assign(conversation, now=now)
        events.publish(
            CONVERSATION_UPDATED,
            # ``at``: the change's time, for subscribers that run late (a slow queue, a
            # replay) and must stamp pauses and resumes when it happened.
            event_payload(conversation, changed=changed, at=now.isoformat()),
        )
    return conversation


def _apply_status(conversation: Conversation, status: str, now: datetime) -> list[str]:
    if status == conversation.status:
        return []
    conversation.status = status
    if status in (Status.SOLVED, Status.CLOSED):
        conversation.solved_at = conversation.solved_at or now
    else:
        conversation.solved_at = None
    return ["status", "solved_at"]


def _record_changes(
    actor: Any,
    conversation: Conversation,
    before: dict[str, Any],
    now: datetime,
    tags: tuple[list[str], list[str]] | None = None,
) -> list[str]:
    """Activity rows, the audit entry and the assignment event for what differs."""
    old, new = audit.changed(before, audit.snapshot(conversation, STATE_FIELDS))
    for field in ("status", "priority"):
        if field in new:
            record_activity(
                conversation,
                f"{field}_changed",
                actor=actor,
                now=now,
                **{"from": old[field], "to": new[field]},
            )
    if "team" in new:
        record_activity(
            conversation,
            "team_changed",
            actor=actor,
            now=now,
            to=new["team"],
            to_name=str(conversation.team),
        )
    if "assignee" in new:
        _assigned(actor, conversation, old["assignee"], now)
    if tags and tags[0] != tags[1]:
        old["tags"], new["tags"] = tags
    if new:
        audit.record(actor, "conversation.updated", conversation, before=old, after=new)
    return sorted(new)


def _assigned(actor: Any, conversation: Conversation, previous: int | None, now: datetime) -> None:
    assignee = conversation.assignee
    if assignee is None:
        record_activity(conversation, "unassigned", actor=actor, now=now, **{"from": previous})
    else:
        record_activity(
            conversation,
            "assigned",
            actor=actor,
            now=now,
            to=assignee.pk,
            to_name=str(assignee),
            **{"from": previous},
        )
    events.publish(
        CONVERSATION_ASSIGNED,
        event_payload(
            conversation, previous=previous, by=getattr(actor, "pk", None), at=now.isoformat()
        ),
    )


def take(
    actor: User,
    conversation: Conversation,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Conversation:
    """Assign to oneself in one click. With the version the inbox showed, taking one a
    colleague took a moment ago is refused instead of snatching it from them."""
    return update_conversation(
        actor, conversation, expected_version=expected_version, assignee=actor, now=now
    )


def follow(actor: User, conversation: Conversation, *, now: datetime | None = None) -> bool:
    """Follow: be told about changes. Not a change of the conversation (no version bump)."""
    return _set_following(actor, conversation, True, now)


def unfollow(actor: User, conversation: Conversation, *, now: datetime | None = None) -> bool:
    return _set_following(actor, conversation, False, now)


def _set_following(actor: User, conversation: Conversation, on: bool, now: Any) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        present = conversation.followers.filter(pk=actor.pk).exists()
        if present == on:
            return False
        (conversation.followers.add if on else conversation.followers.remove)(actor)
        verb = "followed" if on else "unfollowed"
        record_activity(conversation, verb, actor=actor, now=now)
        audit.record(actor, f"conversation.{verb}", conversation, after={"user": actor.pk})
        events.publish(
            CONVERSATION_FOLLOWED,
            event_payload(conversation, user=actor.pk, following=on),
        )
    return True
