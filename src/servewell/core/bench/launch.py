"""The parent side of ``servewell bench``: an isolated child process per run.

The child gets a fresh ``SERVEWELL_VAR_DIR`` and none of the variables that could lead it
to the user's data (``DATABASE_URL``, ``REDIS_URL``, job and media paths) or make it talk
to the outside (SMTP). ``SERVEWELL_BENCH_DATABASE_URL`` names a database server to measure
on instead of SQLite; for PostgreSQL a scratch database is created on that server and
dropped afterwards, so the named database itself is only used to connect.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

#: Set in the child and in the server it starts: production settings, minus what needs
#: HTTPS or a worker, and quiet logs (a log line per request would skew the timings).
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "servewell.config.settings",
    "DEBUG": "0",
    "SECURE_COOKIES": "0",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    "SERVEWELL_JOBS_IMMEDIATE": "1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}
#: Never inherited: each could point the run at the user's data or change what is measured.
DROPPED = (
    "DATABASE_URL",
    "REDIS_URL",
    "SERVEWELL_JOBS_PATH",
    "MEDIA_ROOT",
    "SERVEWELL_TESTING",
    "SERVEWELL_BENCH_DATABASE_URL",
)
CHILD_MARK = "SERVEWELL_BENCH_CHILD"


def child_env(var_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(BENCH_ENV)
    env["SERVEWELL_VAR_DIR"] = var_dir
    env[CHILD_MARK] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_isolated(scale: str, only: Sequence[str] = ()) -> int:
    """Run the benchmark child; its figures go straight to our stdout. Returns its exit code."""
    command = [sys.executable, "-m", "servewell.core.bench.runner", "--scale", scale]
    if only:
        command += ["--only", *only]
    with (
        tempfile.TemporaryDirectory(prefix="servewell-bench-") as var_dir,
        scratch_database(os.environ.get("SERVEWELL_BENCH_DATABASE_URL", "")) as database_url,
    ):
        return subprocess.call(command, env=child_env(var_dir, database_url))  # noqa: S603


@contextmanager
def scratch_database(url: str) -> Iterator[str | None]:
    """A throwaway database on the server ``url`` names (PostgreSQL), dropped afterwards.

    Other engines are used as given: the URL must then name a database kept for benchmarks.
    """
    if not url:
        yield None
        return
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        print(f"bench: measuring on {parts.scheme} database as given", file=sys.stderr)
        yield url
        return
    import psycopg
    from psycopg import sql

    name = f"servewell_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"bench: measuring on PostgreSQL scratch database {name}", file=sys.stderr)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
