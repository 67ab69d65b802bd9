"""The mail channel's part of a contact's erasure (``contacts.privacy``, contributed in
``apps.py``): the raw bytes of the emails behind the contact's messages, and unfiled mail
that names one of their addresses.

It runs at 20: after the desk has read the contact's conversations (0), before the desk
redacts the messages (30) through which the raw mail is found.
"""

from __future__ import annotations

from servewell.contacts.privacy import Eraser, Erasure
from servewell.desk.privacy import messages_of
from servewell.mail.models import InboundEmail

_SCAN_CHUNK = 100


def _erase_inbound(erasure: Erasure) -> None:
    """Blank the raw bytes of the erased messages' emails; keep the rows and their dedup
    keys, so a second delivery is still a duplicate. Then unfiled mail naming one of the
    contact's addresses (bounces of our replies, auto-replies, quarantined mail)."""
    erasure.counts["inbound_emails"] = InboundEmail.objects.filter(
        message__in=messages_of(erasure.contact_ids)
    ).update(raw=b"", reason="")
    needles = [a.encode() for a in erasure.addresses]
    if not needles:
        return
    hits = []
    unfiled = InboundEmail.objects.filter(message__isnull=True).order_by("id")
    for pk, raw, reason in unfiled.values_list("pk", "raw", "reason").iterator(_SCAN_CHUNK):
        content = bytes(raw).lower()
        if any(n in content or n.decode() in reason.lower() for n in needles):
            hits.append(pk)
    if hits:
        rows = InboundEmail.objects.filter(pk__in=hits)
        rows.filter(state__in=(InboundEmail.State.QUARANTINED, InboundEmail.State.RECEIVED)).update(
            state=InboundEmail.State.DISCARDED
        )
        rows.update(raw=b"", reason=f"Erased with contact #{erasure.contact.pk}.")
    erasure.counts["unfiled_emails"] = len(hits)


#: Contributed to ``contacts.privacy.CONTACT_ERASERS``.
ERASERS = (Eraser(20, _erase_inbound, "inbound mail"),)
