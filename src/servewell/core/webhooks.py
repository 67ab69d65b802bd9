"""Outgoing webhooks: every domain event, signed with HMAC-SHA256, retried by the job queue.

Receivers verify ``X-Servewell-Signature: sha256=<hex>`` where the digest is
HMAC-SHA256(secret, f"{timestamp}.{body}") and ``timestamp`` is ``X-Servewell-Timestamp``
(Unix seconds); signing the timestamp lets receivers reject replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from servewell.core import audit, events, refcache
from servewell.core.errors import DomainError
from servewell.core.jobs import job
from servewell.core.models import Webhook, WebhookDelivery

MAX_ATTEMPTS = 7  # first try plus six retries: 30 s, 1 min, 2, 4, 8, 16 min

events.declare("webhook.ping", "A test event sent from the webhook screen.")


class DeliveryFailed(Exception):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _validate(url: str, event_names: list[str]) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError("invalid", "Enter an http:// or https:// address.", field="url") from None
    unknown = sorted(set(event_names) - set(events.CATALOGUE))
    if unknown:
        raise DomainError("invalid", f"Unknown events: {', '.join(unknown)}.", field="events")


def create_webhook(
    actor: Any,
    *,
    name: str,
    url: str,
    events: list[str] | None = None,
    secret: str | None = None,
    is_active: bool = True,
) -> Webhook:
    event_names = list(events or [])
    _validate(url, event_names)
    with transaction.atomic():
        hook = Webhook.objects.create(
            name=name,
            url=url,
            events=event_names,
            secret=secret or secrets.token_urlsafe(32),
            is_active=is_active,
            created_by=actor,
        )
        audit.record(
            actor,
            "webhook.created",
            hook,
            after=audit.snapshot(hook, ["name", "url", "events", "is_active"]),
        )
    return hook


def update_webhook(actor: Any, hook: Webhook, **changes: Any) -> Webhook:
    fields = ["name", "url", "events", "is_active"]
    _validate(changes.get("url", hook.url), list(changes.get("events", hook.events)))
    with transaction.atomic():
        before = audit.snapshot(hook, fields)
        for key, value in changes.items():
            if key in fields:
                setattr(hook, key, value)
        hook.save(update_fields=[k for k in changes if k in fields])
        audit.record(
            actor,
            "webhook.updated",
            hook,
            **dict(
                zip(
                    ("before", "after"),
                    audit.changed(before, audit.snapshot(hook, fields)),
                    strict=True,
                )
            ),
        )
    return hook


def delete_webhook(actor: Any, hook: Webhook) -> None:
    with transaction.atomic():
        audit.record(
            actor, "webhook.deleted", hook, before=audit.snapshot(hook, ["name", "url", "events"])
        )
        hook.delete()


def send_ping(actor: Any, hook: Webhook) -> WebhookDelivery:
    event = events.Event("webhook.ping", {"webhook": hook.pk, "by": str(actor)})
    with transaction.atomic():
        return _queue(hook, event)


@events.subscribe("*")
def fan_out(event: events.Event) -> None:
    """Runs after the commit that published the event: one delivery row per webhook.

    Every event of every domain passes here, so the common answer ("no webhook wants
    it") costs one plain read of two columns, not a queryset of model objects."""
    wanted = [pk for pk, names in _active_hooks() if not names or event.name in names]
    if not wanted:
        return
    hooks = list(Webhook.objects.filter(pk__in=wanted, is_active=True))
    with transaction.atomic():
        for hook in hooks:
            _queue(hook, event)


#: The active webhooks and their events, kept per process (``refcache``): read after
#: every change anyone makes, and changed a few times a year.
ACTIVE_HOOKS = refcache.kind("core.webhooks", Webhook)


def _active_hooks() -> list[tuple[int, list[str]]]:
    return refcache.get(ACTIVE_HOOKS, None, _read_active_hooks)


def _read_active_hooks() -> list[tuple[int, list[str]]]:
    table = connection.ops.quote_name(Webhook._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, events FROM {table} WHERE is_active")  # noqa: S608
        rows = cursor.fetchall()
    # JSON arrives as text from SQLite and already decoded from PostgreSQL.
    return [(pk, json.loads(n) if isinstance(n, str) else n or []) for pk, n in rows]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def queue(hook: Webhook, event: events.Event) -> WebhookDelivery:
    """Deliver one event to one webhook (logged and retried), whatever it subscribes to."""
    return _queue(hook, event)


def _queue(hook: Webhook, event: events.Event) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event_id=event.id, event=event.name, payload=event.as_dict()
    )
    deliver.enqueue(delivery.pk)
    return delivery


@job(retries=MAX_ATTEMPTS - 1, retry_delay=30, backoff=2.0)
def deliver(delivery_id: int) -> None:
    attempt_delivery(delivery_id)


def attempt_delivery(delivery_id: int) -> WebhookDelivery:
    """One POST; raises ``DeliveryFailed`` so the job queue retries with backoff."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.status == WebhookDelivery.Status.DELIVERED:
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Servewell-Webhooks/1",
        "X-Servewell-Event": delivery.event,
        "X-Servewell-Delivery": str(delivery.pk),
        "X-Servewell-Timestamp": str(ts),
        "X-Servewell-Signature": sign(delivery.webhook.secret, ts, body),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    error = ""
    try:
        response = httpx.post(
            delivery.webhook.url, content=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT
        )
        delivery.response_status = response.status_code
        delivery.response_body = response.text[:2000]
        ok = 200 <= response.status_code < 300
        if not ok:
            error = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"[:2000]
    delivery.error = error
    if ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = delivery.last_attempt_at
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.status = WebhookDelivery.Status.RETRYING
    delivery.save()
    if not ok:
        raise DeliveryFailed(error)
    return delivery
