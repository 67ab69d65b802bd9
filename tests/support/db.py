"""For tests that start real subprocesses (servers, commands) on the test database, or
migrate it to an earlier schema and back."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


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


def migrate_to(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    """Migrate the test database to ``targets`` and return a fresh executor, whose loader
    knows the state just reached (an app's move is tested from the schema before it)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)
