"""Contacts: one customer across addresses and phones, found or created on first contact,
edited and merged.

The apps above keep things about a contact (the desk's conversations and its search
index); this module imports none of them. They take part through extension points:
``CONTACT_INDEXERS`` hear of every contact created or changed (inside the transaction),
``CONTACT_MERGERS`` move their rows when two contacts become one, and
``CONTACT_VISIBILITY`` says whom a person may see (``access.contacts_for``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.db import IntegrityError, transaction

from servewell.contacts.models import Contact, ContactEmail, ContactPhone
from servewell.core import audit, events
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.people.models import User

CONTACT_MERGED = events.declare("contact.merged", "Two contacts were merged into one.")
CONTACT_UPDATED = events.declare("contact.updated", "A contact's details changed.")
CONTACT_FIELDS = ["name", "organisation", "notes"]


@dataclass(frozen=True)
class Indexed:
    """A contact just created or changed, with its addresses and numbers when the caller
    knows them (a batch of new contacts need not be read back); None: read them."""

    contact: Contact
    emails: Sequence[str] | None = None
    phones: Sequence[str] | None = None


#: fn(changes: list[Indexed]): keep a copy up to date (the desk's search index).
CONTACT_INDEXERS: ExtensionPoint[Callable[[list[Indexed]], None]] = ExtensionPoint(
    "contacts.indexers", Callable, "fn([Indexed]): contacts were created or changed."
)
#: fn(source, target) -> {what: how many}: move this app's rows of ``source`` to ``target``
#: when they merge; the counts go into the audit entry and the event.
CONTACT_MERGERS: ExtensionPoint[Callable[[Contact, Contact], Mapping[str, int]]] = ExtensionPoint(
    "contacts.mergers", Callable, "fn(source, target) -> counts: move rows on a merge."
)


def _index(*changes: Indexed) -> None:
    for indexer in CONTACT_INDEXERS.items():
        indexer(list(changes))


def audit_label(contact: Contact) -> str:
    """How audit entries name a contact: by number only.

    The audit log is append-only (database triggers), so whatever personal data an entry
    holds can never be erased. Entries about contacts therefore record which fields
    changed, never the values, and name the contact by its number (see privacy.py)."""
    return f"Contact #{contact.pk}"


#: A bare address of dot-atoms (RFC 5322), which ``parseaddr`` returns unchanged: most
#: addresses, and those from contacts on file always. Filing a flood of mail normalises
#: each address several times: 8.8 µs to parse one, 0.3 µs to match it.
_BARE_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


def normalise_email(address: str) -> str:
    if address and len(address) <= 254 and _BARE_ADDRESS.fullmatch(address):
        return address.lower()
    _name, addr = parseaddr(address or "")
    addr = (addr or "").strip().lower()
    if "@" not in addr or len(addr) > 254:
        raise DomainError("invalid", f"{address!r} is not an email address.", field="email")
    return addr


def normalise_phone(number: str) -> str:
    digits = re.sub(r"[^\d]", "", number or "")
    if len(digits) < 5 or len(digits) > 20:
        raise DomainError("invalid", f"{number!r} is not a phone number.", field="phone")
    return "+" + digits if (number or "").strip().startswith("+") else digits


def live(contact: Contact) -> Contact:
    """Follow merges: a merged contact's address belongs to the contact it merged into."""
    seen = set()
    while contact.merged_into_id and contact.pk not in seen:
        seen.add(contact.pk)
        contact = contact.merged_into
    return contact


def still_on_file(contact_id: int, address: str) -> bool:
    """Whether ``address`` still belongs to the contact. Automatic mail is queued with an
    address and sent later; by then the address may have been removed or the contact
    erased, and the customer asked us to stop using it."""
    return (contact_id, address) in still_on_file_many([(contact_id, address)])


def still_on_file_many(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """``still_on_file`` for a batch of (contact, address) pairs, in one query: the pairs,
    as given, whose address still belongs to the contact."""
    normal: dict[tuple[int, str], str] = {}
    for contact_id, address in pairs:
        try:
            normal[(contact_id, address)] = normalise_email(address)
        except DomainError:
            continue
    if not normal:
        return set()
    rows = set(
        ContactEmail.objects.filter(
            contact_id__in={c for c, _ in normal}, address__in=set(normal.values())
        ).values_list("contact_id", "address")
    )
    return {pair for pair, address in normal.items() if (pair[0], address) in rows}


def contact_for_email(address: str, name: str = "") -> Contact:
    """The contact who owns ``address``, created on first contact.

    Safe under concurrency: the unique address decides who wins, the loser re-reads.
    """
    addr = normalise_email(address)
    row = ContactEmail.objects.select_related("contact").filter(address=addr).first()
    if row:
        return live(row.contact)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(name=(name or "").strip()[:200] or addr.split("@")[0])
            ContactEmail.objects.create(contact=contact, address=addr, is_primary=True)
            _index(Indexed(contact, [addr], []))
            return contact
    except IntegrityError:
        return live(ContactEmail.objects.select_related("contact").get(address=addr).contact)


def contacts_for_emails(senders: Iterable[tuple[str, str]]) -> dict[str, Contact]:
    """{normalised address: contact} for many (address, name) pairs at once: one read for
    the known addresses, bulk inserts for the new ones (the first name seen wins).

    Mail intake files a batch of mail with it. If another process creates one of the
    same addresses meanwhile, the unique address refuses the bulk insert and each
    address goes through ``contact_for_email`` instead, which settles the race.
    """
    names: dict[str, str] = {}
    for address, name in senders:
        names.setdefault(normalise_email(address), name)
    found: dict[str, Contact] = {}
    rows = ContactEmail.objects.select_related("contact").filter(address__in=list(names))
    for row in rows:
        found[row.address] = live(row.contact)
    missing = [a for a in names if a not in found]
    if not missing:
        return found
    try:
        with transaction.atomic():
            created = Contact.objects.bulk_create(
                [Contact(name=(names[a] or "").strip()[:200] or a.split("@")[0]) for a in missing]
            )
            ContactEmail.objects.bulk_create(
                [
                    ContactEmail(contact=c, address=a, is_primary=True)
                    for a, c in zip(missing, created, strict=True)
                ]
            )
            _index(*(Indexed(c, [a], []) for a, c in zip(missing, created, strict=True)))
    except IntegrityError:
        created = [contact_for_email(a, names[a]) for a in missing]
    found.update(zip(missing, created, strict=True))
    return found


def contact_for_phone(number: str, name: str = "") -> Contact:
    num = normalise_phone(number)
    row = ContactPhone.objects.select_related("contact").filter(number=num).first()
    if row:
        return live(row.contact)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(name=(name or "").strip()[:200] or num)
            ContactPhone.objects.create(contact=contact, number=num)
            _index(Indexed(contact))
            return contact
    except IntegrityError:
        return live(ContactPhone.objects.select_related("contact").get(number=num).contact)


def update_contact(actor: Any, contact: Contact, **changes: Any) -> Contact:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    if "name" in changes and not (changes["name"] or "").strip():
        raise DomainError("invalid", "A contact needs a name.", field="name")
    with transaction.atomic():
        before = audit.snapshot(contact, CONTACT_FIELDS)
        for key, value in changes.items():
            setattr(contact, key, (value or "").strip()[: 200 if key != "notes" else 20_000])
        contact.save(update_fields=list(changes))
        _old, new = audit.changed(before, audit.snapshot(contact, CONTACT_FIELDS))
        if new:
            audit.record(
                actor,
                "contact.updated",
                contact,
                after={"changed": sorted(new)},
                label=audit_label(contact),
            )
            events.publish(CONTACT_UPDATED, {"contact": contact.pk, "changed": sorted(new)})
            _index(Indexed(contact))
    return contact


def _taken(actor: Any, owner: Contact, value: str, field: str) -> DomainError:
    """Name the owner only to someone who may see them."""
    from servewell.contacts.access import contacts_for

    owner = live(owner)
    if isinstance(actor, User) and contacts_for(actor).filter(pk=owner.pk).exists():
        message = f"{value} belongs to {owner} already: merge the contacts instead."
    else:
        message = f"{value} is already on file for another contact."
    return DomainError("duplicate", message, field=field)


def add_email(actor: Any, contact: Contact, address: str) -> ContactEmail:
    addr = normalise_email(address)
    with transaction.atomic():
        owner = ContactEmail.objects.filter(address=addr).select_related("contact").first()
        if owner:
            raise _taken(actor, owner.contact, addr, "email")
        row = ContactEmail.objects.create(
            contact=contact, address=addr, is_primary=not contact.emails.exists()
        )
        audit.record(
            actor,
            "contact.email_added",
            contact,
            after={"added": "email"},
            label=audit_label(contact),
        )
        _index(Indexed(contact))
    return row


def add_phone(actor: Any, contact: Contact, number: str) -> ContactPhone:
    num = normalise_phone(number)
    with transaction.atomic():
        owner = ContactPhone.objects.filter(number=num).select_related("contact").first()
        if owner:
            raise _taken(actor, owner.contact, num, "phone")
        row = ContactPhone.objects.create(contact=contact, number=num)
        audit.record(
            actor,
            "contact.phone_added",
            contact,
            after={"added": "phone"},
            label=audit_label(contact),
        )
        _index(Indexed(contact))
    return row


def merge_contacts(actor: Any, source: Contact, target: Contact) -> Contact:
    """One customer recorded twice becomes one: addresses, phones, conversations and
    messages move to ``target``; ``source`` stays as a pointer so old links still lead
    somewhere (and ``contact_for_email`` follows it)."""
    if source.pk == target.pk:
        raise DomainError("invalid", "A contact cannot be merged into itself.", field="target")
    with transaction.atomic():
        source = Contact.objects.select_for_update().get(pk=source.pk)
        target = Contact.objects.select_for_update().get(pk=target.pk)
        if source.merged_into_id or target.merged_into_id:
            raise DomainError(
                "invalid", "One of these contacts was merged already.", field="target"
            )
        moved = {
            "emails": ContactEmail.objects.filter(contact=source).update(contact=target),
            "phones": ContactPhone.objects.filter(contact=source).update(contact=target),
        }
        for merger in CONTACT_MERGERS.items():
            moved.update(merger(source, target))
        ContactEmail.objects.filter(contact=target).exclude(
            pk=ContactEmail.objects.filter(contact=target, is_primary=True)
            .order_by("id")
            .values("pk")[:1]
        ).update(is_primary=False)
        Contact.objects.filter(merged_into=source).update(merged_into=target)
        fields = []
        for field in ("organisation", "notes"):
            if not getattr(target, field) and getattr(source, field):
                setattr(target, field, getattr(source, field))
                fields.append(field)
        if fields:
            target.save(update_fields=fields)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        audit.record(
            actor,
            "contact.merged",
            source,
            before={"merged_into": None},
            after={"merged_into": target.pk, **moved},
            label=audit_label(source),
        )
        events.publish(CONTACT_MERGED, {"source": source.pk, "target": target.pk, **moved})
        _index(Indexed(source), Indexed(target))
    return target
