"""How commitments hear about the desk: domain events, after the desk's commit."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servewell.commitments import acknowledge, sla
from servewell.core import events, jobs
from servewell.core.compiled import CompiledModels
from servewell.core.ids import parse_id
from servewell.core.jobs import job
from servewell.desk import conversations, merging
from servewell.desk.models import Conversation, Message
from servewell.people.models import Team

log = logging.getLogger(__name__)


#: Read for every reply, change and assignment the worker hears of: compiled once.
_WITH_CALENDAR = CompiledModels(
    lambda pk: Conversation.objects.select_related("team__calendar", "contact").filter(pk=pk)
)
_MESSAGE = CompiledModels(lambda pk: Message.objects.select_related("author").filter(pk=pk))


def _conversation(event: events.Event) -> Conversation | None:
    pk = parse_id(event.payload.get("conversation"))
    return None if pk is None else _WITH_CALENDAR.first(pk)


def _message(event: events.Event) -> Message | None:
    pk = parse_id(event.payload.get("message"))
    return None if pk is None else _MESSAGE.first(pk)


def _message_time(event: events.Event) -> object:
    message = _message(event)
    return message.created_at if message else event.occurred_at


@events.subscribe(conversations.CONVERSATION_CREATED, batch=True)
def on_created(batch: list[events.Event]) -> None:
    """Clocks and the acknowledgement go to the job queue: intake stays fast, and the
    customer still hears back within seconds. Mail filed together starts together: one
    job and one transaction for the batch instead of one per email."""
    ids = [event.payload["conversation"] for event in batch]
    if len(ids) == 1:
        start_commitments.enqueue(ids[0])
    else:
        start_commitments_batch.enqueue(ids)


def _locked(conversation_ids: list[int]) -> list[Conversation]:
    return list(
        Conversation.objects.select_for_update(of=("self",))
        .select_related("team__calendar", "contact")
        .filter(pk__in=conversation_ids)
        .order_by("pk")
    )


def _start(conversations: list[Conversation], now: datetime) -> None:
    sla.start_clocks_many_locked(conversations, now=now)
    for pk, reason in acknowledge.acknowledge_many(conversations, now=now).items():
        if reason:
            log.info("no acknowledgement", extra={"conversation": pk, "why": reason})


@job(retries=5, retry_delay=5, lane="intake")
def start_commitments(conversation_id: int) -> None:
    """Clocks and acknowledgement of a new conversation, in one transaction that reads
    and locks the conversation once (it runs for every new conversation). A failure
    rolls both back and the retry starts over; neither is done twice."""
    now = timezone.now()
    with transaction.atomic():
        _start(_locked([conversation_id]), now)


@job(retries=5, retry_delay=5, lane="intake")
def start_commitments_batch(conversation_ids: list[int]) -> None:
    """``start_commitments`` for a batch, in one transaction. If the batch fails, each
    conversation gets a job of its own (with its own retries), so one that cannot be
    started never holds the others back and none is started twice."""
    now = timezone.now()
    try:
        with transaction.atomic():
            _start(_locked(conversation_ids), now)
    except Exception:
        log.exception("batch of new conversations failed; starting each on its own")
        for conversation_id in conversation_ids:
            start_commitments.enqueue(conversation_id)


def team_acknowledges(team: Team) -> bool:
    """The team's instant acknowledgement answers web requests: no separate receipt."""
    return acknowledge.settings_for(team.pk).ack_enabled


@events.subscribe(conversations.MESSAGE_RECEIVED, durable=True, batch=True)
def on_customer_message(batch: list[events.Event]) -> None:
    """Customers' messages filed together come in one job and one transaction. If the
    batch fails, each message gets a job of its own (with its own retries): one that
    cannot be handled never holds the others back, and none is handled twice."""
    try:
        with transaction.atomic():
            for event in batch:
                _customer_message(event)
    except Exception:
        if len(batch) == 1:
            raise
        log.exception("batch of customer messages failed; handling each on its own")
        for event in batch:
            jobs.deliver_event(events.handler_key(on_customer_message), event.as_dict())


def _customer_message(event: events.Event) -> None:
    if not sla.has_clocks(event.payload.get("conversation")):
        return  # no commitments on it (no policy, or not started yet)
    at = parse_datetime(event.payload.get("at") or "")
    if (conversation := _conversation(event)) is not None:
        sla.customer_wrote(conversation, at=at or _message_time(event))


@events.subscribe(conversations.MESSAGE_REPLIED, durable=True)
def on_reply(event: events.Event) -> None:
    if (conversation := _conversation(event)) is not None:
        message = _message(event)
        sla.responded(
            conversation,
            at=message.created_at if message else event.occurred_at,
            responder=message.author if message else None,
        )


@events.subscribe(
    conversations.CONVERSATION_UPDATED,
    conversations.CONVERSATION_ASSIGNED,
    merging.CONVERSATION_MERGED,
    conversations.CONVERSATION_REOPENED,
    durable=True,
)
def on_updated(event: events.Event) -> None:
    if (conversation := _conversation(event)) is not None:
        # The time of the change, not of this run: a slow queue or a replay must not
        # stamp a pause or resume of the clocks late.
        at = parse_datetime(event.payload.get("at", "")) if event.payload.get("at") else None
        sla.sync(conversation, now=at or event.occurred_at)
