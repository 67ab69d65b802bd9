"""Reference lists kept in each process: what every desk page shows and an admin changes
a few times a day (the active teams, a team's assignable people and macros, the goodwill
actions).

Why: each was a query of its own on every conversation page and again after every reply,
note or status change, four of the page's twenty-two, and the ORM compiled each one
anew. Under the capacity load a page holds its process's turn while it waits for the
database (``core.wsgibridge``), so a round trip saved is saved twice.

Why this is safe across processes: one generation in the shared cache (Redis, or the
embedded default's disk cache, which every process of the installation reads) stands
for all kinds. A save or delete of a model any kind depends on sets a new generation at
once and again after the commit (a reader between the two may have kept the rows as
they were before it). A kept value is used only while the generation it was read under
is current. One generation rather than one per kind: these lists change a few times a
day, and a request then reads one key, once (``RequestMiddleware``); code outside a
request reads it on each use. Writes that send no signals (``bulk_create``,
``QuerySet.update``) are caught within ``MAX_AGE_S`` at the latest.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

KEY = "refcache:generation"
#: The longest a kept value is used without being read again, whatever its generation.
MAX_AGE_S = 60.0
#: Kept values per process, at most (one per kind and team): cleared when exceeded.
MAX_ENTRIES = 5_000


class Choice(NamedTuple):
    """A row as a select lists it: read in templates as ``choice.pk`` and ``choice.name``."""

    pk: int
    name: str


_kinds: dict[str, tuple[type[Model], ...]] = {}
_unused: dict[str, frozenset[str]] = {}
_memo: dict[tuple[str, Hashable], tuple[str, float, Any]] = {}
_request = threading.local()


def kind(name: str, *models: type[Model], unused: Iterable[str] = ()) -> str:
    """Declare a kind of kept list and the models whose changes make it stale.

    ``unused``: fields no kept list shows. A save naming only those (``update_fields``)
    changes nothing kept: every sign-in saves the person's ``last_login``, and a morning
    of sign-ins would otherwise set the generation anew every few seconds."""
    _kinds[name] = models
    _unused.setdefault(name, frozenset(unused))
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                _on_change, sender=model, weak=False, dispatch_uid=f"refcache:{name}:{model}"
            )
    return name


def get(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The kept value of ``name`` for ``key``, or ``compute()`` when there is none current.

    The value is shared by every request of the process: callers only read it."""
    generation = _generation()
    entry = _memo.get((name, key))
    now = time.monotonic()
    if entry is not None and generation is not None and entry[0] == generation:
        if now - entry[1] < MAX_AGE_S:
            return entry[2]
    value = compute()
    if generation is None:
        # No generation yet (a fresh cache): start one, and keep values from the next
        # read on, once every process agrees on it.
        cache.add(KEY, _token(), None)
        return value
    if len(_memo) >= MAX_ENTRIES:
        _memo.clear()
    _memo[(name, key)] = (generation, now, value)
    return value


def stale(name: str) -> None:
    """Mark ``name`` (and with it every kind) changed: now, and again when the current
    transaction commits."""
    _set()
    transaction.on_commit(_set)


def forget() -> None:
    """Drop what this process keeps (tests roll the database back under it)."""
    _memo.clear()


class RequestMiddleware:
    """Reads the generation at most once per request, and never across requests."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        _request.generation = None
        _request.active = True
        try:
            return self.get_response(request)
        finally:
            _request.active = False
            _request.generation = None


def _generation() -> str | None:
    if getattr(_request, "active", False):
        if _request.generation is None:
            _request.generation = cache.get(KEY)
        return _request.generation
    return cache.get(KEY)


def _set() -> None:
    token = _token()
    cache.set(KEY, token, None)
    if getattr(_request, "active", False):
        _request.generation = token


def _token() -> str:
    return uuid.uuid4().hex


def _on_change(sender: type[Model], **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    for name, models in _kinds.items():
        if sender in models and not (fields and fields <= _unused[name]):
            stale(name)
            return
