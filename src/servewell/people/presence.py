"""Presence: available, busy, away, offline — for leads and managers as for agents."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.people.models import Presence, User

PRESENCE_CHANGED = events.declare("presence.changed", "Someone changed their presence.")


def set_presence(user: User, status: str, *, now: datetime | None = None) -> User:
    if status not in Presence.values:
        raise DomainError(
            "invalid", f"Choose one of: {', '.join(Presence.values)}.", field="presence"
        )
    if user.presence == status:
        return user
    now = now or timezone.now()
    with transaction.atomic():
        previous = user.presence
        User.objects.filter(pk=user.pk).update(presence=status, presence_changed_at=now)
        user.presence, user.presence_changed_at = status, now
        events.publish(
            PRESENCE_CHANGED,
            {"user": user.pk, "from": previous, "to": status, "at": now.isoformat()},
        )
    return user
