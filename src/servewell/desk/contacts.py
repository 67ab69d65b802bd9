"""The desk's side of contacts: a person opening a conversation for a contact, and a
contact's history of conversations. The contacts themselves are the contacts app's
(``servewell.contacts.contacts``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from servewell.contacts.access import contacts_for
from servewell.contacts.contacts import (
    Indexed,
    contact_for_email,
    contact_for_phone,
    live,
    normalise_email,
    normalise_phone,
)
from servewell.contacts.models import Contact, ContactEmail, ContactPhone
from servewell.core.compiled import CompiledModels, CompiledQuery
from servewell.core.errors import DomainError
from servewell.desk import search
from servewell.desk.models import Conversation, Message
from servewell.people.access import visible_team_ids
from servewell.people.models import User

OUT_OF_SCOPE = (
    "This address or number is on file for a customer of another team. Ask a lead or "
    "manager who works with that team."
)


def _outside(user: User, contact: Contact) -> bool:
    """A contact this person may not see who is someone's customer already: linking them
    to a conversation here would open their whole record (name, notes, every address)."""
    if contacts_for(user).filter(pk=contact.pk).exists():
        return False
    return Conversation.objects.filter(contact=contact).exists()


def contact_for_person(user: User, *, email: str = "", phone: str = "", name: str = "") -> Contact:
    """The contact a person opens a conversation for, by address or number: found or
    created, but never one of another team's customers (refused without naming them)."""
    if email:
        addr = normalise_email(email)
        row = ContactEmail.objects.select_related("contact").filter(address=addr).first()
    else:
        row = (
            ContactPhone.objects.select_related("contact")
            .filter(number=normalise_phone(phone))
            .first()
        )
    if row is not None and _outside(user, live(row.contact)):
        raise DomainError("invalid", OUT_OF_SCOPE, field="contact")
    return contact_for_email(email, name) if email else contact_for_phone(phone, name)


@dataclass
class History:
    """A contact's conversations the viewer may open, and how many others exist."""

    conversations: list[Conversation]
    hidden: int
    total: int


#: A contact's addresses and numbers, compiled once: the contact panel of every
#: conversation page shows them.
_EMAILS = CompiledModels(lambda pk: ContactEmail.objects.filter(contact_id=pk))
_PHONES = CompiledModels(lambda pk: ContactPhone.objects.filter(contact_id=pk))


def contact_emails(contact_id: int) -> list[ContactEmail]:
    return _EMAILS.fetch(contact_id)


def contact_phones(contact_id: int) -> list[ContactPhone]:
    return _PHONES.fetch(contact_id)


def contact_history(user: User, contact: Contact, *, limit: int = 50) -> History:
    """Past conversations across channels, newest first. Conversations of teams the user
    cannot see are counted, not shown (team scoping)."""
    qs: QuerySet[Conversation] = Conversation.objects.filter(contact=contact)
    ids = visible_team_ids(user)
    if ids is not None and len(ids) == 1 and limit == PANEL_LIMIT:
        # An agent of one team, on a conversation page: the statements compiled once.
        rows = _TEAM_HISTORY.fetch(contact.pk, ids[0])
        counts = _TEAM_COUNTS.rows(ids[0], contact.pk)
        total, shown = counts[0] if counts else (0, 0)
        return History(conversations=rows, hidden=total - shown, total=total)
    visible = qs if ids is None else qs.filter(team_id__in=ids)
    rows = list(visible.select_related("team", "assignee").order_by("-created_at", "-id")[:limit])
    if ids is None:
        total = len(rows) if len(rows) < limit else qs.count()
        return History(conversations=rows, hidden=0, total=total)
    # Both counts in one pass over the contact's conversations (an index range).
    counts = qs.aggregate(total=Count("id"), shown=Count("id", filter=Q(team_id__in=ids)))
    total = counts["total"]
    return History(conversations=rows, hidden=total - counts["shown"], total=total)


#: The contact panel's history on a conversation page (``conversation_context``).
PANEL_LIMIT = 20
_TEAM_HISTORY = CompiledModels(
    lambda contact, team: (
        Conversation.objects.filter(contact_id=contact, team_id=team)
        .select_related("team", "assignee")
        .order_by("-created_at", "-id")[:PANEL_LIMIT]
    )
)
_TEAM_COUNTS = CompiledQuery(
    lambda team, contact: (
        Conversation.objects.filter(contact_id=contact)
        .order_by()
        .values("contact_id")
        .annotate(total=Count("id"), shown=Count("id", filter=Q(team_id=team)))
        .values_list("total", "shown")
    )
)


# --- Contributed to the contacts app (``apps.py``) -----------------------------------------


def index_changed(changes: list[Indexed]) -> None:
    """Keep the contacts' search documents in step, inside the writer's transaction; a
    batch of new contacts whose addresses are known is written in one go."""
    known = [c for c in changes if c.emails is not None and c.phones is not None]
    if known:
        search.index_contacts(
            (c.contact.pk, *search.contact_document(c.contact, c.emails, c.phones)) for c in known
        )
    # Not ``change not in known``: that compares every pair, and a batch of 200 new
    # contacts cost 20,000 comparisons of their fields.
    for change in changes:
        if change.emails is None or change.phones is None:
            search.index_contact(change.contact)


def move_on_merge(source: Contact, target: Contact) -> dict[str, int]:
    """The merged contact's conversations and messages are the surviving contact's."""
    return {
        "conversations": Conversation.objects.filter(contact=source).update(contact=target),
        "messages": Message.objects.filter(contact=source).update(contact=target),
    }
