"""``ctx``: what a benchmark group receives from the runner."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string
from tqdm import tqdm

from servewell.core.bench import SCALES, server

#: The backend whose ``get_user`` restores a session's user (axes' backend has none).
SESSION_BACKEND = "servewell.people.backends.PeopleBackend"


class Context:
    """Built once per run. Django is set up on the throwaway bench database (migrated),
    so groups use the ORM and the domain functions directly."""

    def __init__(self, scale: str):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
        self.scale = scale
        self._base_url: str | None = None
        self._clients: list[httpx.Client] = []

    def figure(self, name: str, value: float, unit: str, **context: Any) -> dict[str, Any]:
        """One line of output: ``{"figure", "value", "unit", "scale", "database", **context}``
        (the database vendor, since SQLite and PostgreSQL figures do not compare)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"figure {name}: value must be a number, got {value!r}")
        return {
            "figure": name,
            "value": value if isinstance(value, int) else float(f"{value:.4g}"),
            "unit": unit,
            "scale": self.scale,
            "database": connection.vendor,
            **context,
        }

    def progress(self, iterable: Iterable, total: int | None = None, desc: str = "") -> Iterable:
        """A tqdm bar on stderr; silent when stderr is not a terminal (CI, tests)."""
        return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False, disable=None)

    @contextmanager
    def server(self) -> Iterator[str]:
        """A real uvicorn server for the bench database; yields its base URL."""
        if self._base_url is not None:
            raise RuntimeError("ctx.server() is already running; nest nothing inside it")
        with server.serve() as base_url:
            self._base_url = base_url
            try:
                yield base_url
            finally:
                for client in self._clients:
                    client.close()
                self._clients.clear()
                self._base_url = None

    def client(self, user: Any) -> httpx.Client:
        """An ``httpx.Client`` on the running server, signed in as ``user`` through a
        session cookie (made as ``Client.force_login`` makes it), with a CSRF cookie and
        header so that POSTs pass too."""
        if self._base_url is None:
            raise RuntimeError("ctx.client() needs a running ctx.server()")
        csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        client = httpx.Client(
            base_url=self._base_url,
            cookies={
                settings.SESSION_COOKIE_NAME: signed_in_session(user),
                settings.CSRF_COOKIE_NAME: csrf_secret,
            },
            headers={"X-CSRFToken": csrf_secret},
            timeout=60.0,
        )
        self._clients.append(client)
        return client


def maintained() -> None:
    """The database as a maintained one is after a bulk load: fresh statistics, and on
    PostgreSQL vacuumed too.

    Why: PostgreSQL's autovacuum would vacuum a million new rows within minutes of their
    load (and some servers run with it off); until then no page is marked all-visible,
    so an index-only scan (a team's newest search documents) fetched every row from the
    table as well (6,000 heap fetches, 15 ms where 3 do), and the GIN indexes' pending
    lists stay full. Measuring right after the load measured that, not the product. On
    SQLite ``ANALYZE`` alone does it, as it does inside a transaction (a test's), where
    PostgreSQL cannot vacuum."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def signed_in_session(user: Any) -> str:
    """Store a session that signs ``user`` in and return its key (the cookie value)."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = SESSION_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key
