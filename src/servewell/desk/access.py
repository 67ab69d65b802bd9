"""Desk permissions and the one scoped fetch of a conversation, a message or a contact.

Agents see the conversations of their teams; managers, QA reviewers and admins see every
team (``people.access.ORG_WIDE_ROLES``). A conversation outside one's scope is a 404, not
a 403: its existence is none of the caller's business.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from servewell.contacts.access import contacts_for
from servewell.contacts.models import Contact
from servewell.core.compiled import CompiledModels, CompiledQuery
from servewell.core.ids import parse_id
from servewell.desk.models import Conversation, Message
from servewell.people.access import scope_to_teams, visible_team_ids
from servewell.people.models import Role, User

DESK_VIEW = "desk.view"  # read conversations, contacts, search
DESK_WORK = "desk.work"  # reply, note, change, assign, merge, log calls
DESK_ADMIN = "desk.admin"  # macros and desk settings

#: Handed to core through the app contract (``apps.py``); admins hold every permission.
GRANTS: dict[str, set[str]] = {
    Role.AGENT: {DESK_VIEW, DESK_WORK},
    Role.LEAD: {DESK_VIEW, DESK_WORK},
    Role.MANAGER: {DESK_VIEW, DESK_WORK},
    Role.QA: {DESK_VIEW},
}


def conversations_for(user: User) -> QuerySet[Conversation]:
    return scope_to_teams(Conversation.objects.all(), user)


#: The conversation with what every page of it shows, compiled once; scoped below.
_CONVERSATION = CompiledModels(
    lambda pk: Conversation.objects.filter(pk=pk).select_related("team", "assignee", "contact")
)


def access_conversation(user: User, pk: Any, *, for_update: bool = False) -> Conversation:
    """The one fetch of a conversation that checks scope: 404 outside the user's teams.

    Read by its key and checked against the user's teams here (the same rows the scoped
    queryset gives), so that the statement is the same for everyone and compiled once:
    every conversation page and every action on one starts here."""
    try:
        if for_update:
            qs = conversations_for(user).select_related("team", "assignee", "contact")
            return qs.select_for_update(of=("self",)).get(pk=_id(pk))
        found = _CONVERSATION.first(_id(pk))
    except (Conversation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such conversation.") from None
    ids = visible_team_ids(user)
    if found is None or (ids is not None and found.team_id not in ids):
        raise Http404("No such conversation.")
    return found


#: The team and version of a conversation, compiled once (no ORDER BY: the model's default
#: would cost more to compile than to run).
_VERSION = CompiledQuery(
    lambda pk: Conversation.objects.filter(pk=pk).order_by().values_list("team_id", "version")
)


def conversation_version(user: User, pk: Any) -> int:
    """The same scope check (and 404) as ``access_conversation``, returning the version
    alone: every open conversation page asks this every 5 s, and the row with its team,
    assignee and contact costs four times as much to read as two numbers."""
    try:
        rows = _VERSION.rows(_id(pk))
        row = rows[0] if rows else None
    except (ValueError, TypeError, OverflowError):
        row = None
    ids = visible_team_ids(user)
    if row is None or (ids is not None and row[0] not in ids):
        raise Http404("No such conversation.")
    return row[1]


def access_message(user: User, pk: Any) -> Message:
    qs = scope_to_teams(
        Message.objects.select_related("conversation", "conversation__team"),
        user,
        field="conversation__team",
    )
    try:
        return qs.get(pk=_id(pk))
    except (Message.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such message.") from None


def contact_scope(user: User, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """Org-wide roles see every contact; others the contacts who wrote to one of their
    teams. Contributed to ``contacts.access.CONTACT_SCOPES`` (``apps.py``)."""
    ids = visible_team_ids(user)
    if ids is None:
        return contacts
    return contacts.filter(
        Exists(Conversation.objects.filter(contact=OuterRef("pk"), team_id__in=ids))
    )


def access_contact(user: User, pk: Any) -> Contact:
    try:
        return contacts_for(user).get(pk=_id(pk))
    except (Contact.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such contact.") from None


def _id(value: Any) -> int:
    """The id in a path or form value; anything else is a row that does not exist."""
    pk = parse_id(value)
    if pk is None:
        raise ValueError(value)
    return pk
