"""Domain events: a small publish/subscribe bus inside the process.

Publishing inside a transaction defers delivery to ``on_commit``: subscribers (webhooks,
notifications, real-time fan-out) never see a change that was rolled back. A failing
subscriber is logged and does not stop the others nor the publisher.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.name,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.payload,
        }


def declare(name: str, description: str) -> str:
    CATALOGUE[name] = description
    return name


def subscribe(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for the named events; ``"*"`` receives every event."""

    def decorator(handler: Handler) -> Handler:
        for name in names:
            if handler not in _subscribers[name]:
                _subscribers[name].append(handler)
        return handler

    return decorator


def publish(name: str, payload: dict[str, Any]) -> Event:
    event = Event(name=name, payload=payload)
    transaction.on_commit(lambda: dispatch(event))
    return event


def dispatch(event: Event) -> None:
    for handler in [*_subscribers.get(event.name, []), *_subscribers.get("*", [])]:
        try:
            handler(event)
        except Exception:
            log.exception(
                "event subscriber failed",
                extra={"event": event.name, "handler": handler.__qualname__},
            )
