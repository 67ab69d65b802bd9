"""Pushing a change to the pages that watch its subject, instead of their polling for it.

A page that shows one thing others may change at the same moment (a conversation: who
else is on it, and whether its copy is stale) watches it over the live connection every
signed-in page already holds open. Domain code says what changed with ``publish``; the
app that owns the live connection (the live queue's stream) ``provide``s the transport.
Core knows neither side, and without a provider (an installation without that app) a
publish is a no-op and pages fall back to their polls.

Why not a domain event: events are the record of what happened (webhooks, audit, derived
state receive every one). "Lena opened conversation 12" is a hint for the screens open
right now, worth nothing a second later; it must not flood a webhook that asked for
"everything".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

#: ``sink(topic, event, data)`` delivers one message to the streams watching ``topic``.
Sink = Callable[[str, str, dict[str, Any]], None]

_sink: Sink | None = None


def provide(sink: Sink | None) -> None:
    """Set (or, with None, remove) the transport; called once from an app's ``ready()``."""
    global _sink
    _sink = sink


def topic(kind: str, pk: int) -> str:
    """The name streams subscribe to: ``"conversation:12"``."""
    return f"{kind}:{pk}"


def publish(topic_name: str, event: str, data: dict[str, Any]) -> None:
    """Deliver after the current transaction commits: a watcher never sees a change
    that then rolls back (and one published outside a transaction goes at once)."""
    publish_many([(topic_name, event, data)])


def publish_many(messages: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Several at once (a batch of mail filed in one transaction): one commit hook."""
    sink = _sink
    if sink is not None and messages:
        transaction.on_commit(lambda: [sink(*message) for message in messages])
