"""For tests that start real subprocesses (servers, commands) on the test database."""

from __future__ import annotations

from django.db import connection


def database_url() -> str:
    """A DATABASE_URL pointing a child process at the database this test is using."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or ""
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"
