"""Reads shared by the inbox, the conversation page and the API.

The inbox pages by keyset on (updated_at, id), newest first: the cursor is the last row
seen, and the next page is one index range from there — as fast on page 1,000 as on
page 1, at millions of rows. Two details keep it a real range (PERFORMANCE.md):

- "open" is ``is_open = ?`` (a generated column, compared with a value — see ``OPEN``),
  not ``status IN (…)``, which cannot be walked in updated_at order and would sort every
  open row;
- the ``(updated_at < u) OR (updated_at = u AND id < i)`` that ``Q`` builds gets the
  redundant bound ``updated_at <= u``, which is what the index range is built from.

A person in several teams gets one ordered, limited branch per team joined with UNION
ALL (``team IN (…)`` would again sort every row of those teams). Ids first, rows second:
a page costs the same few queries whatever its size.

Other apps add views of their own (``INBOX_VIEWS``, e.g. the commitments' "Due soon"):
the desk hands them its filters and team scope as a condition and gets back one ordered,
limited slice of conversation ids with the keys of the next cursor. The desk never
imports them; they register from their ``AppConfig.ready()``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servewell.core import contract
from servewell.core.compiled import CompiledModels, CompiledQuery, prefetched
from servewell.core.contract import ContractError, ExtensionPoint
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.desk.models import (
    Activity,
    Attachment,
    Channel,
    Conversation,
    Message,
    SavedView,
    Status,
    Tag,
)
from servewell.people.access import visible_team_ids
from servewell.people.models import User

VIEWS = {
    "mine": "Mine",
    "unassigned": "Team unassigned",
    "open": "All open",
    "all": "Everything",
}
DEFAULT_VIEW = "mine"
PAGE_SIZES = (25, 50, 100)
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class InboxFilters:
    view: str = DEFAULT_VIEW
    status: str = ""  # a status, or "open" / "" (any)
    team: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    tag: str = ""
    channel: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> InboxFilters:
        """From query parameters or a saved view; bad values are refused, field by field."""
        view = str(data.get("view") or DEFAULT_VIEW)
        labels = view_labels()
        if view not in labels:
            raise DomainError("invalid", f"Choose one of: {', '.join(labels)}.", field="view")
        status = str(data.get("status") or "")
        if status and status != "open" and status not in Status.values:
            raise DomainError("invalid", f"Unknown status {status!r}.", field="status")
        channel = str(data.get("channel") or "")
        if channel and channel not in Channel.values:
            raise DomainError("invalid", f"Unknown channel {channel!r}.", field="channel")
        team = data.get("team") or None
        if team is not None and (team := parse_id(team)) is None:
            raise DomainError("invalid", "Team must be a team id.", field="team")
        assignee = str(data.get("assignee") or "")
        if assignee and assignee not in ("me", "none") and parse_id(assignee) is None:
            raise DomainError(
                "invalid", "Assignee is 'me', 'none' or a person's id.", field="assignee"
            )
        tag = str(data.get("tag") or "").strip().lower()[:60]
        return cls(view, status, team, assignee, tag, channel)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "view": self.view,
            "status": self.status,
            "team": self.team,
            "assignee": self.assignee,
            "tag": self.tag,
            "channel": self.channel,
        }
        return {k: v for k, v in data.items() if v not in ("", None)}


@dataclass
class Page:
    rows: list[Conversation]
    next_cursor: str | None
    size: int
    filters: InboxFilters
    team_ids: list[int] | None = field(default=None)


def encode_cursor(updated_at: datetime, pk: int) -> str:
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        when = parse_datetime(stamp)
        if when is None:
            raise ValueError(stamp)
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("invalid", "This page link is not valid.", field="cursor") from None


#: ``is_open=True`` compiles to a bare ``WHERE is_open``, which SQLite's planner does not
#: use as an index equality (it walked a team's every row, or sorted). Comparing with a
#: value gives ``is_open = ?``: (team, is_open, updated_at, id) becomes one range.
OPEN = Q(is_open=Value(True))


def _where(user: User, filters: InboxFilters, prefix: str = "") -> Q:
    """The view and filters as one condition on a conversation reached through ``prefix``
    (``""`` from Conversation itself, ``"conversation__"`` from a model that points to it)."""

    def q(**lookups: Any) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    open_ = q(is_open=Value(True))  # see OPEN
    where = Q()
    if filters.view == "mine":
        where &= open_ & q(assignee=user)
    elif filters.view == "unassigned":
        where &= open_ & q(assignee=None)
    elif filters.view == "open" or (
        filters.view in extra_views() and extra_views()[filters.view].open_only
    ):
        where &= open_
    if filters.status == "open":
        where &= open_
    elif filters.status:
        where &= q(status=filters.status)
    if filters.assignee == "me":
        where &= q(assignee=user)
    elif filters.assignee == "none":
        where &= q(assignee=None)
    elif filters.assignee:
        where &= q(assignee_id=int(filters.assignee))
    if filters.channel:
        where &= q(channel=filters.channel)
    if filters.tag:
        where &= q(tags__name=filters.tag)
    return where


def _base(user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    return Conversation.objects.filter(_where(user, filters))


def _team_branches(user: User, filters: InboxFilters) -> list[int] | None:
    """None: no team condition. Otherwise the teams to read, each its own index range."""
    scope = visible_team_ids(user)
    if filters.team is not None:
        return [filters.team] if scope is None or filters.team in scope else []
    return scope


def _page_ids(qs: QuerySet, teams: list[int] | None, size: int) -> list[int]:
    ordered = ("-updated_at", "-id")
    if teams is None:
        return list(qs.order_by(*ordered).values_list("id", flat=True)[: size + 1])
    if not teams:
        return []
    if len(teams) == 1:
        return list(
            qs.filter(team_id=teams[0]).order_by(*ordered).values_list("id", flat=True)[: size + 1]
        )
    parts, params = [], []
    for n, team in enumerate(sorted(teams)):
        branch = qs.filter(team_id=team).order_by(*ordered).values_list("id", "updated_at")
        sql, branch_params = branch[: size + 1].query.get_compiler(using=qs.db).as_sql()
        parts.append(f"SELECT * FROM ({sql}) AS b{n}")  # noqa: S608 - compiled by the ORM
        params.extend(branch_params)
    union = " UNION ALL ".join(parts)
    sql = f"SELECT id FROM ({union}) AS u ORDER BY updated_at DESC, id DESC LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size + 1])
        return [row[0] for row in cursor.fetchall()]


def inbox_page(
    user: User,
    filters: InboxFilters,
    *,
    cursor: str | None = None,
    size: int = 25,
    now: datetime | None = None,
) -> Page:
    """One page of a view; ``now`` is the instant a time-bound added view reads against."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    if filters.view in extra_views():
        return _extra_page(user, filters, cursor=cursor, size=size, now=now or timezone.now())
    qs = _base(user, filters)
    if cursor:
        when, pk = decode_cursor(cursor)
        qs = qs.filter(updated_at__lte=when).exclude(updated_at=when, id__gte=pk)
    teams = _team_branches(user, filters)
    ids = _page_ids(qs, teams, size)
    more = len(ids) > size
    ids = ids[:size]
    rows = inbox_rows(ids)
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].pk) if more and rows else None
    return Page(rows=rows, next_cursor=next_cursor, size=size, filters=filters, team_ids=teams)


# --- Views other apps add ----------------------------------------------------------------


@dataclass(frozen=True)
class ViewRequest:
    """One page of an extra view, as the desk asks for it."""

    user: User
    filters: InboxFilters
    teams: list[int] | None  # None: every team; never empty (the desk answers that itself)
    after: tuple[datetime, int] | None  # from the cursor: the last row's (instant, key)
    limit: int  # rows to return at most (the desk asks for one more than a page)
    now: datetime

    def conversations(self, prefix: str = "") -> Q:
        """The filters and the team scope, on the conversation reached through ``prefix``.

        Scoping is by the conversation's team, as in every other view: a row that walks
        another model must not trust that model's own copy of the team.
        """
        where = _where(self.user, self.filters, prefix)
        if self.teams is not None:
            where &= Q(**{f"{prefix}team_id__in": self.teams})
        return where


#: (conversation id, instant, key) in page order; the last row's instant and key are the
#: next cursor, so the key must make the order total (e.g. the id of the row walked).
ViewRow = tuple[int, datetime, int]


@dataclass(frozen=True)
class ViewSpec:
    """An inbox view another app contributes: its tab label, a caption that says how it
    is ordered, and ``rows``, which reads one keyset page: one query that stops after
    ``limit`` rows (no OFFSET), each conversation at most once, whatever the page size."""

    key: str
    label: str
    rows: Callable[[ViewRequest], list[ViewRow]]
    caption: str = ""
    open_only: bool = True  # the desk adds "open conversations" to the condition


#: Inbox views other apps add through their contract's ``extends``.
INBOX_VIEWS: ExtensionPoint[ViewSpec] = ExtensionPoint(
    "desk.inbox_views", ViewSpec, "An inbox tab (keyset-paged rows) another app adds."
)


def extra_views() -> dict[str, ViewSpec]:
    found: dict[str, ViewSpec] = {}
    for spec in INBOX_VIEWS.items():
        if spec.key in VIEWS or spec.key in found:
            raise ContractError(f"The inbox view {spec.key!r} is taken.")
        found[spec.key] = spec
    return found


def view_labels() -> dict[str, str]:
    """Every view's key and tab label: the desk's own first, then the added ones."""
    return {**VIEWS, **{key: spec.label for key, spec in extra_views().items()}}


def _extra_page(
    user: User, filters: InboxFilters, *, cursor: str | None, size: int, now: datetime
) -> Page:
    after = decode_cursor(cursor) if cursor else None
    teams = _team_branches(user, filters)
    found: list[ViewRow] = []
    if teams is None or teams:
        request = ViewRequest(user, filters, teams, after, size + 1, now)
        found = extra_views()[filters.view].rows(request)
    page = found[:size]
    next_cursor = encode_cursor(page[-1][1], page[-1][2]) if len(found) > size else None
    rows = inbox_rows([pk for pk, _when, _key in page])
    return Page(rows=rows, next_cursor=next_cursor, size=size, filters=filters, team_ids=teams)


def annotate_rows(rows: list[Conversation], now: datetime | None = None) -> list[Conversation]:
    """What other apps show on a row (their contracts' ``row_fields``), set on each row's
    ``extras`` by field name: for the inbox page and for the API, which must say the same."""
    now = now or timezone.now()
    for row in rows:
        row.extras = {}
    for row_field in contract.row_fields():
        values = row_field.annotate(rows, now)
        for row in rows:
            row.extras[row_field.name] = values.get(row.pk)
    return rows


#: What a row shows of its team, assignee and contact (``desk.rows``, the take and bulk
#: answers): the rest of those rows (a password hash, a contact's notes) is never read.
ROW_RELATED = (
    "team__name",
    "team__slug",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__display_name",
    "contact__name",
)
#: A page's rows and their tags, each compiled once per number of rows (``core.compiled``):
#: building these querysets cost more than the database spent on them.
_ROWS = CompiledModels(
    lambda *ids: (
        Conversation.objects.filter(id__in=ids)
        .select_related("team", "assignee", "contact")
        .only(*(f.name for f in Conversation._meta.concrete_fields), *ROW_RELATED)
    )
)
_ROW_TAGS = CompiledQuery(
    lambda *ids: (
        Conversation.tags.through.objects.filter(conversation_id__in=ids)
        .values_list("conversation_id", "tag__name")
        .order_by("tag__name")
    )
)


def inbox_rows(ids: list[int]) -> list[Conversation]:
    """The rows of a page, in the page's order, with what a row shows: 2 queries.

    Tag names are attached as ``tag_names`` from one flat query: Django's many-to-many
    prefetch builds a related manager per row and cost more than the rest of the page.
    """
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    found = {row.pk: row for row in _ROWS.fetch(*unique)}
    names: dict[int, list[str]] = {pk: [] for pk in found}
    for pk, name in _ROW_TAGS.rows(*unique):
        names[pk].append(name)
    rows = []
    for pk in ids:
        if pk in found:
            found[pk].tag_names = names[pk]
            rows.append(found[pk])
    return rows


#: The thread and the activity of a conversation page, compiled once (``core.compiled``).
_THREAD = CompiledModels(
    lambda pk: (
        Message.objects.filter(conversation_id=pk)
        .select_related("author", "contact")
        .order_by("created_at", "id")
    )
)
#: The thread's attachments in one compiled read by conversation (a prefetch would list
#: the messages' ids: a new statement for each length of thread).
_THREAD_FILES = CompiledModels(
    lambda pk: Attachment.objects.filter(message__conversation_id=pk).order_by("id")
)
ACTIVITY_LIMIT = 100
_ACTIVITY = CompiledModels(
    lambda pk: (
        Activity.objects.filter(conversation_id=pk)
        .select_related("actor")
        .order_by("-at", "-id")[:ACTIVITY_LIMIT]
    )
)


def conversation_messages(conversation: Conversation) -> list[Message]:
    thread = _THREAD.fetch(conversation.pk)
    files: dict[int, list[Attachment]] = {m.pk: [] for m in thread}
    if thread:
        for attachment in _THREAD_FILES.fetch(conversation.pk):
            files.setdefault(attachment.message_id, []).append(attachment)
    for message in thread:  # as ``conversation.messages`` and a prefetch would have
        Message.conversation.field.set_cached_value(message, conversation)
        prefetched(message, "attachments", files[message.pk])
    return thread


def conversation_activity(
    conversation: Conversation, *, limit: int = ACTIVITY_LIMIT
) -> list[Activity]:
    """The latest ``limit`` entries, oldest first."""
    if limit == ACTIVITY_LIMIT:
        found = _ACTIVITY.fetch(conversation.pk)
    else:
        found = list(conversation.activities.select_related("actor").order_by("-at", "-id")[:limit])
    for activity in found:
        Activity.conversation.field.set_cached_value(activity, conversation)
    return found[::-1]


def conversation_with_relations(conversation: Conversation, *, reread: bool = True) -> Conversation:
    """Tags, followers and the row extras (``annotate_rows``) loaded once, for a page or
    an API response.

    ``reread=False`` keeps the row as given (a page just fetched it with its team,
    assignee and contact, ``access_conversation``) and only adds what it lacks; after a
    change the row is read again, as it is now."""
    if reread:
        found = _REREAD.first(conversation.pk)
        if found is None:
            raise Conversation.DoesNotExist(conversation.pk)
        conversation = found
    prefetched(conversation, "tags", _TAGS.fetch(conversation.pk))
    prefetched(conversation, "followers", _FOLLOWERS.fetch(conversation.pk))
    return annotate_rows([conversation])[0]


#: The conversation as a page or an API answer shows it after a change, compiled once.
_REREAD = CompiledModels(
    lambda pk: Conversation.objects.filter(pk=pk).select_related(
        "team", "assignee", "contact", "merged_into"
    )
)


#: A conversation's tags and followers, as ``prefetch_related`` reads them, compiled once.
_TAGS = CompiledModels(lambda pk: Tag.objects.filter(conversations__id=pk))
_FOLLOWERS = CompiledModels(
    lambda pk: User.objects.filter(followed_conversations__id=pk).order_by("id")
)


def saved_views(user: User) -> QuerySet[SavedView]:
    return SavedView.objects.filter(user=user).order_by("name")


#: The inbox's tabs of saved views, on every inbox page: compiled once (``core.compiled``).
_SAVED_VIEWS = CompiledModels(
    lambda user_id: SavedView.objects.filter(user_id=user_id).order_by("name")
)


def saved_view_tabs(user: User) -> list[SavedView]:
    return _SAVED_VIEWS.fetch(user.pk)
