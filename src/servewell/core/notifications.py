"""In-app notifications, with an email copy sent by a job after commit.

Three rules keep them from flooding:

- updates on one topic (a conversation) within ``GROUP_WINDOW`` fold into one row that
  says how many there were, and only the first of them is mailed;
- each person chooses per kind: in the app only, by email at once, or in a daily digest;
- what is loaded as history (``history()``: the demo, an import) is filed in the app and
  never mailed: nobody needs 100 emails about last month.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Func, IntegerField
from django.utils import timezone

from servewell.core.compiled import CompiledQuery
from servewell.core.jobs import job, periodic
from servewell.core.models import Notification, NotificationPreference

GROUP_WINDOW = timedelta(minutes=5)
Channel = NotificationPreference.Channel


@dataclass(frozen=True)
class Kind:
    key: str
    label: str


KINDS: dict[str, Kind] = {}


def declare_kind(key: str, label: str) -> str:
    """A kind people can choose a channel for; apps declare theirs where they notify."""
    KINDS.setdefault(key, Kind(key, label))
    return key


GENERAL = declare_kind("general", "Everything else")

_history: contextvars.ContextVar[bool] = contextvars.ContextVar("history", default=False)


@contextlib.contextmanager
def history() -> Iterator[None]:
    """Within this block notifications are records of the past: in the app, never mailed."""
    token = _history.set(True)
    try:
        yield
    finally:
        _history.reset(token)


def notify(
    users: Iterable[Any],
    title: str,
    *,
    body: str = "",
    url: str = "",
    kind: str = GENERAL,
    topic: str = "",
    topic_label: str = "",
    email: bool = True,
    now: datetime | None = None,
) -> list[Notification]:
    """One row per distinct active person; duplicates in ``users`` are ignored."""
    now = now or timezone.now()
    people: dict[int, Any] = {}
    for user in users:
        if user is not None and getattr(user, "is_active", False):
            people.setdefault(user.pk, user)
    if not people:
        return []
    rows, fresh = _file(people, title[:200], body, url, kind, topic, topic_label or topic, now)
    if email and not _history.get():
        channels = channels_for(list(fresh), kind)
        for pk in fresh:
            user = people[pk]
            if user.email and channels[pk] == Channel.EMAIL:
                email_notification.enqueue(user.email, title[:200], body, url)
    return rows


def _file(
    people: dict[int, Any],
    title: str,
    body: str,
    url: str,
    kind: str,
    topic: str,
    label: str,
    now: datetime,
) -> tuple[list[Notification], set[int]]:
    """Fold into a recent unread row on the same topic, else make a new one. Returns the
    rows and the ids of the people who got a new row (only those are mailed)."""
    with transaction.atomic():
        recent: dict[int, Notification] = {}
        if topic:
            for row in Notification.objects.select_for_update().filter(
                user_id__in=list(people),
                topic=topic,
                read_at=None,
                created_at__gte=now - GROUP_WINDOW,
                created_at__lte=now,
            ):
                recent.setdefault(row.user_id, row)
        for row in recent.values():
            if row.count == 1:  # the first update's own words move into the list
                row.body = f"{row.title}\n{row.body}".strip()
            row.count += 1
            row.title = f"{row.count} updates on {label}: {title}"[:200]
            row.body = f"{title}\n{body}\n\n{row.body}".strip()
            row.save(update_fields=["count", "title", "body"])
        fresh = [pk for pk in people if pk not in recent]
        made = Notification.objects.bulk_create(
            Notification(
                user_id=pk, kind=kind, title=title, body=body, url=url, topic=topic, created_at=now
            )
            for pk in fresh
        )
    return [*recent.values(), *made], set(fresh)


def channels_for(user_ids: list[int], kind: str) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {pk: chosen.get(pk, Channel.EMAIL) for pk in user_ids}


def get_preferences(user: Any) -> list[tuple[Kind, str]]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return [(k, chosen.get(k.key, Channel.EMAIL)) for k in sorted(KINDS.values(), key=_order)]


def _order(kind: Kind) -> tuple[bool, str]:
    return (kind.key == GENERAL, kind.label)


class UnknownKind(ValueError):
    pass


def set_preferences(user: Any, choices: dict[str, str]) -> None:
    """Save a channel per kind; an unknown kind or channel refuses the whole change."""
    for key, channel in choices.items():
        if key not in KINDS:
            raise UnknownKind(f"There is no notification kind {key!r}.")
        if channel not in Channel.values:
            raise UnknownKind(f"Choose app, email or digest for {key!r}.")
    with transaction.atomic():
        for key, channel in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=key, defaults={"channel": channel}
            )


def email_text(title: str, body: str, url: str) -> str:
    """An email says in words what happened; the link is for more, never the message."""
    parts = [title.rstrip(".") + "."]
    if body:
        parts.append(body)
    if url:
        parts.append(f"Open it: {settings.SITE_URL}{url}")
    parts.append(f"Choose how you hear of this: {settings.SITE_URL}/me/#notifications")
    return "\n\n".join(parts)


@job(retries=5, retry_delay=30)
def email_notification(address: str, title: str, body: str, url: str) -> None:
    send_mail(title, email_text(title, body, url), None, [address])


def send_digests(*, now: datetime) -> int:
    """One email per person with every undigested notification of their digest kinds."""
    digest_kinds: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in NotificationPreference.objects.filter(channel=Channel.DIGEST).values_list(
        "user_id", "kind"
    ):
        digest_kinds[user_id].add(kind)
    sent = 0
    for user_id, kinds in digest_kinds.items():
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update()
                .filter(user_id=user_id, kind__in=kinds, digested_at=None, created_at__lte=now)
                .select_related("user")
                .order_by("created_at", "id")
            )
            if not rows:
                continue
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(digested_at=now)
            if rows[0].user.email and rows[0].user.is_active:
                digest_email.enqueue(rows[0].user.email, [r.pk for r in rows])
                sent += 1
    return sent


def digest_text(rows: list[Notification]) -> str:
    lines = [f"{len(rows)} notifications since your last digest:", ""]
    for row in rows:
        lines.append(f"- {row.created_at:%Y-%m-%d %H:%M} UTC: {row.title}")
        if row.url:
            lines.append(f"  {settings.SITE_URL}{row.url}")
    lines += ["", f"Choose how you hear of this: {settings.SITE_URL}/me/#notifications"]
    return "\n".join(lines)


@job(retries=5, retry_delay=30)
def digest_email(address: str, ids: list[int]) -> None:
    rows = list(Notification.objects.filter(pk__in=ids).order_by("created_at", "id"))
    if rows:
        send_mail(
            f"Your Servewell digest: {len(rows)} notifications", digest_text(rows), None, [address]
        )


@periodic(minute="30", hour="7")
def send_daily_digests() -> None:
    send_digests(now=timezone.now())


def mark_read(user: Any, ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=now or timezone.now())


#: The bell's count, compiled once: it is on every page.
_UNREAD = CompiledQuery(
    lambda user_id: (
        Notification.objects.filter(user_id=user_id, read_at=None)
        .order_by()
        .values_list(Func(F("id"), function="COUNT", output_field=IntegerField()))
    )
)


def unread_count(user: Any) -> int:
    return _UNREAD.rows(user.pk)[0][0]
