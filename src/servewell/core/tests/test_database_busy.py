"""SQLite named by DATABASE_URL keeps the embedded default's safeguards, and a database
that is briefly locked answers 503 with Retry-After, never 500."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.test import Client

from servewell.people.models import User
from servewell.people.tokens import create_token
from tests.support.db import database_url

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="a locked database is SQLite's; PostgreSQL waits on row locks",
)

SERVEWELL = str(Path(sys.executable).with_name("servewell"))


def _database_settings(tmp_path: Path, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "servewell.config.settings",
            "SERVEWELL_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_a_sqlite_url_gets_exactly_the_embedded_defaults_options(tmp_path):
    default = _database_settings(tmp_path)
    named = _database_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/servewell.sqlite3")
    assert {k: v for k, v in named.items() if k != "TEST"} == {
        k: v for k, v in default.items() if k != "TEST"
    }
    pragmas = named["OPTIONS"]["init_command"]
    for pragma in ("journal_mode=WAL", "busy_timeout=20000", "synchronous=NORMAL"):
        assert pragma in pragmas
    assert named["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    elsewhere = _database_settings(tmp_path, DATABASE_URL="sqlite:////srv/data/desk.sqlite3")
    assert elsewhere["NAME"] == "/srv/data/desk.sqlite3"
    assert elsewhere["OPTIONS"] == default["OPTIONS"]


@contextmanager
def _database_locked_by_another_writer():
    """Another process's write transaction holds SQLite's one write lock; this thread's
    connection waits only 0.1 s for it instead of 20."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout=100")
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout=20000")


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_answers_a_page_503_with_retry_after(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with _database_locked_by_another_writer():
        response = client.post("/me/presence/", {"presence": "away"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "nothing was saved" in response.content.decode()
    alice.refresh_from_db()
    assert alice.presence != "away"


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_answers_the_api_503_json_with_retry_after(alice):
    _token, raw = create_token(alice, name="script")
    client = Client(raise_request_exception=False)
    with _database_locked_by_another_writer():
        response = client.put(
            "/api/me/",
            {"presence": "away"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "unavailable"


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_through_a_sqlite_url_give_one_success_and_409s_never_500(care, alice):
    """The served app on ``DATABASE_URL=sqlite:///<the test database>``: thirty clients
    change one conversation at the same version at once."""
    from servewell.desk.tests.factories import make_conversation

    conversation = make_conversation(care)
    version = conversation.version
    tokens = [create_token(alice, name=f"client {n}")[1] for n in range(30)]
    with _served(os.environ | {"DATABASE_URL": database_url()}) as base:

        def edit(raw: str) -> int:
            response = httpx.patch(
                f"{base}/api/conversations/{conversation.pk}/",
                json={"expected_version": version, "priority": "high"},
                headers={"Authorization": f"Bearer {raw}"},
                timeout=60,
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = sorted(pool.map(edit, tokens))
    assert statuses == [200] + [409] * 29
    assert User.objects.filter(username="alice").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _served(env: dict):
    port = _free_port()
    env = {**env, "DEBUG": "1", "LOG_LEVEL": "CRITICAL"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(  # noqa: S603 - our own command
        [SERVEWELL, "run", "--no-worker", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)
