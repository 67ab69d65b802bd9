"""In-app notifications, with an email copy sent by a job after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from servewell.core.jobs import job
from servewell.core.models import Notification


def notify(
    users: Iterable[Any],
    title: str,
    *,
    body: str = "",
    url: str = "",
    email: bool = True,
    now: datetime | None = None,
) -> list[Notification]:
    """One row per distinct active person; duplicates in ``users`` are ignored."""
    now = now or timezone.now()
    seen: dict[int, Any] = {}
    for user in users:
        if user is not None and getattr(user, "is_active", False):
            seen.setdefault(user.pk, user)
    rows = Notification.objects.bulk_create(
        [
            Notification(user_id=pk, title=title[:200], body=body, url=url, created_at=now)
            for pk in seen
        ]
    )
    if email:
        for user in seen.values():
            if user.email:
                email_notification.enqueue(user.email, title[:200], body, url)
    return rows


@job(retries=5, retry_delay=30)
def email_notification(address: str, title: str, body: str, url: str) -> None:
    link = f"\n\n{settings.SITE_URL}{url}" if url else ""
    send_mail(title, f"{body}{link}", None, [address])


def mark_read(user: Any, ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=now or timezone.now())


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()
