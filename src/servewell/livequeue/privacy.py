"""The live queue's part of a contact's erasure (``contacts.privacy``, contributed in
``apps.py``): calls are not linked to contacts, so the caller number is what ties them to
the person."""

from __future__ import annotations

import re

from django.db.models import Q

from servewell.contacts.privacy import Erasure
from servewell.core.models import WebhookDelivery
from servewell.livequeue.models import Call, CallEvent, PendingEvent


def _same_number(caller: str, digits: set[str]) -> bool:
    """The telephony system's caller id against the contact's numbers: the same digits,
    or the same last nine (+44 7700 900123 is 07700 900123)."""
    mine = re.sub(r"\D", "", caller or "")
    return any(
        mine == d or (len(mine) >= 9 and len(d) >= 9 and mine[-9:] == d[-9:]) for d in digits
    )


def erase_queue_calls(erasure: Erasure) -> None:
    """Queue calls are not linked to contacts; the caller number is what ties them.
    The number goes from the call, its feed events (waiting ones too) and its webhook
    deliveries; the timings stay (service level, ASA, abandonment)."""
    digits = {d for p in erasure.phones if len(d := re.sub(r"\D", "", p)) >= 5}
    if not digits:
        return
    near = Q()
    for d in digits:
        near |= Q(caller__contains=d[-4:])
    call_ids = [
        call_id
        for call_id, caller in Call.objects.filter(near).values_list("call_id", "caller")
        if _same_number(caller, digits)
    ]
    erasure.counts["queue_calls"] = Call.objects.filter(call_id__in=call_ids).update(caller="")
    for event in CallEvent.objects.filter(call_id__in=call_ids).only("id", "raw"):
        if isinstance(event.raw, dict) and event.raw.get("caller"):
            event.raw = {**event.raw, "caller": ""}
            event.save(update_fields=["raw"])
    deliveries = WebhookDelivery.objects.filter(
        event__startswith="call.", payload__data__call_id__in=call_ids
    )
    for delivery in deliveries.only("id", "payload"):
        delivery.payload["data"]["caller"] = ""
        delivery.save(update_fields=["payload"])
    # Events taken on the fast door and not derived yet (or kept as failed).
    for pending in PendingEvent.objects.only("id", "payload"):
        if _same_number(pending.payload.get("caller", ""), digits):
            pending.payload = {**pending.payload, "caller": ""}
            pending.save(update_fields=["payload"])
