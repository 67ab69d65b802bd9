"""Domain events: a small publish/subscribe bus inside the process.

Publishing inside a transaction defers delivery to ``on_commit``: subscribers (webhooks,
notifications, real-time fan-out) never see a change that was rolled back. An event
carries the time it happened (``occurred_at``), so a subscriber that runs late (a slow
queue, a replay) still stamps what it derives with the right time.

Two promises keep derived state honest:

* Subscribing to an event nobody declared raises ``UnknownEvent`` when the subscriber is
  registered, that is at start-up: a typo is never a silent no-op.
* A failing subscriber never stops the others nor the publisher, and never fails
  unseen. A ``durable`` subscriber (one that keeps derived state, such as SLA clocks)
  runs as a job with retries; any other subscriber that raises is recorded in the
  dead-letter list. Either way an admin sees it under failed jobs and can replay it.

A domain function that makes many things in one go (mail intake filing a batch) may
``publish_many``: the events are dispatched together after the commit, and a subscriber
declared ``batch=True`` receives them as one list (a durable one: in one job). Such a
subscriber pays its fixed costs (a job, a transaction, the lookups every event shares)
once per batch; it always takes a list, of one event when an event comes alone.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

Handler = Callable[["Event"], None]

_subscribers: dict[str, list[Handler]] = defaultdict(list)
#: Known event names with a one-line description; webhooks offer these as choices.
CATALOGUE: dict[str, str] = {}


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=timezone.now)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(
            name=data["event"],
            payload=data["data"],
            id=data["id"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.name,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.payload,
        }


class UnknownEvent(LookupError):
    """A subscription to an event that is not in the catalogue."""


def declare(name: str, description: str) -> str:
    CATALOGUE[name] = description
    return name


#: Subscribers by "module.qualname", so a job or a replay can find them again.
_handlers: dict[str, Handler] = {}
_durable: set[str] = set()
_batched: set[str] = set()


def handler_key(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(
    *names: str, durable: bool = False, batch: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler for the named events; ``"*"`` receives every event.

    Name events by the constant their owner declares (``declare``), imported from the
    owner: the declaration has then run, and a name that is not in the catalogue is an
    error here rather than a subscription that never fires. ``batch``: the handler
    takes a list of events (see the module docstring).
    """
    unknown = [n for n in names if n != "*" and n not in CATALOGUE]
    if unknown:
        raise UnknownEvent(f"No such event: {', '.join(unknown)} (declare it first).")

    def decorator(handler: Handler) -> Handler:
        key = handler_key(handler)
        _handlers[key] = handler
        if durable:
            _durable.add(key)
        if batch:
            _batched.add(key)
        for name in names:
            if handler not in _subscribers[name]:
                _subscribers[name].append(handler)
        return handler

    return decorator


def publish(name: str, payload: dict[str, Any]) -> Event:
    event = Event(name=name, payload=payload)
    transaction.on_commit(lambda: dispatch(event))
    return event


def publish_many(name: str, payloads: Iterable[dict[str, Any]]) -> list[Event]:
    """Publish one event per payload, dispatched together after the commit."""
    batch = [Event(name=name, payload=p) for p in payloads]
    if batch:
        transaction.on_commit(lambda: dispatch_many(batch))
    return batch


def dispatch(event: Event) -> None:
    dispatch_many([event])


def dispatch_many(batch: list[Event]) -> None:
    """Deliver events of one name: each subscriber gets each event, a batch subscriber
    gets the list at once."""
    if not batch:
        return
    name = batch[0].name
    for handler in [*_subscribers.get(name, []), *_subscribers.get("*", [])]:
        key = handler_key(handler)
        if key in _batched:
            _run(name, key, handler, batch, [e.as_dict() for e in batch])
        else:
            for event in batch:
                _run(name, key, handler, event, event.as_dict())


def _run(name: str, key: str, handler: Callable, arg: Any, data: Any) -> None:
    """A durable subscriber as a job; any other now, its failure kept for a replay."""
    from servewell.core import jobs

    if key in _durable:
        jobs.deliver_event(key, data)
        return
    try:
        handler(arg)
    except Exception as exc:
        log.exception("event subscriber failed", extra={"event": name, "handler": key})
        jobs.record_failure(jobs.deliver_event, [key, data], exc)


def deliver(key: str, data: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Run one subscriber on one event, or a batch subscriber on a list of them (the
    ``deliver_event`` job, and its replays)."""
    handler = _handlers.get(key)
    if handler is None:
        raise UnknownEvent(f"No subscriber {key!r} is registered.")
    if key in _batched:
        items = data if isinstance(data, list) else [data]
        handler([Event.from_dict(d) for d in items])  # type: ignore[arg-type]
    else:
        for d in data if isinstance(data, list) else [data]:
            handler(Event.from_dict(d))
