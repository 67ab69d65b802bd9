"""Telling people about quality work, through the shared inbox (``core.notifications``):
a row in the top-bar bell and an email copy sent by a job after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from servewell.core import notifications
from servewell.core.models import Notification
from servewell.people.models import User

#: Quality notifications link into the quality screens; the home page lists those.
PREFIX = "/quality/"
KIND = notifications.declare_kind("quality", "Reviews, disputes, calibration and coaching")


def notify(
    users: User | Iterable[User], title: str, *, url: str, now: datetime, body: str = ""
) -> None:
    people = [users] if isinstance(users, User) else list(users)
    notifications.notify(people, title, body=body, url=url, kind=KIND, now=now)


def recent_for(user: User, limit: int = 15) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user, url__startswith=PREFIX).order_by(
            "-created_at", "-id"
        )[:limit]
    )
