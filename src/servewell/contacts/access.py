"""Who may see a contact, and the permission for data-subject requests.

A contact is nobody's by itself: the apps above say whom a person may see (the desk:
the contacts who wrote to one of their teams) by contributing a scope to
``CONTACT_SCOPES``. A contact outside one's scope is a 404, not a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from servewell.contacts.models import Contact
from servewell.core.contract import ExtensionPoint
from servewell.core.ids import parse_id
from servewell.people.models import Role, User

#: Data-subject requests (GDPR): download everything about a contact, erase a contact.
#: Admins, and managers: they see every team (an export must hold the contact's whole
#: history, which no agent or lead sees), they answer customers' requests about their
#: data, and they already read the audit log that records each export and erasure.
#: Erasure is irreversible, so it also asks for a typed confirmation (see privacy.py).
CONTACTS_PRIVACY = "contacts.privacy"

#: Handed to core through the app contract (``apps.py``); admins hold every permission.
GRANTS: dict[str, set[str]] = {Role.MANAGER: {CONTACTS_PRIVACY}}

#: fn(user, contacts) -> the contacts among them the user may see.
CONTACT_SCOPES: ExtensionPoint[Callable[[User, QuerySet[Contact]], QuerySet[Contact]]] = (
    ExtensionPoint(
        "contacts.scopes", Callable, "fn(user, contacts) -> the contacts the user may see."
    )
)


def contacts_for(user: User) -> QuerySet[Contact]:
    """Live (not merged) contacts, narrowed by every contributed scope."""
    contacts = Contact.objects.filter(merged_into__isnull=True)
    for scope in CONTACT_SCOPES.items():
        contacts = scope(user, contacts)
    return contacts


def access_contact(user: User, pk: Any) -> Contact:
    contact_id = parse_id(pk)
    if contact_id is None:
        raise Http404("No such contact.")
    try:
        return contacts_for(user).get(pk=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No such contact.") from None
