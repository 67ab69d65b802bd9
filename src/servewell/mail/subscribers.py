"""The mail channel listens to the desk: a public reply on an email or web conversation
is sent by email. The desk announces the reply and knows nothing of mail."""

from __future__ import annotations

from django.db import transaction

from servewell.core import events
from servewell.desk.conversations import EMAIL_CHANNELS
from servewell.desk.events import MESSAGE_REPLIED
from servewell.desk.models import Message
from servewell.mail import outbound


@events.subscribe(MESSAGE_REPLIED, durable=True)
def send_reply_by_email(event: events.Event) -> None:
    """Durable: a reply that could not be queued is retried and shows under failed jobs.
    A reply already queued or sent is left alone, so a replay sends nothing twice."""
    payload = event.payload
    if not payload.get("deliver", True) or payload.get("channel") not in EMAIL_CHANNELS:
        return
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=payload["message"])
            .first()
        )
        if message is None or message.delivery_status:
            return
        outbound.queue_reply(message)
