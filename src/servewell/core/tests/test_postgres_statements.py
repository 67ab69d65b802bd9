"""On PostgreSQL, statements a connection repeats are prepared once and kept; behind a
transaction-mode pooler an operator turns that off."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from servewell.people.models import User

SHOW_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'options': d.get('OPTIONS', {}), 'age': d['CONN_MAX_AGE']}))"
)


def _database_settings(**env: str) -> dict:
    ours = ("DB_CONN_MAX_AGE", "DB_PREPARED_STATEMENTS")  # the defaults are under test
    inherited = {k: v for k, v in os.environ.items() if k not in ours}
    full = {**inherited, "DJANGO_SETTINGS_MODULE": "servewell.config.settings", **env}
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", SHOW_OPTIONS], env=full, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_prepares_statements_unless_a_pooler_needs_it_off():
    url = "postgresql://servewell@db.internal:5432/servewell"
    on = _database_settings(DATABASE_URL=url)
    assert on["options"]["server_side_binding"] is True
    assert on["options"]["prepare_threshold"] == 2
    assert on["age"] == 600  # kept: a reconnect would throw the prepared statements away
    off = _database_settings(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in off["options"]
    assert "prepare_threshold" not in off["options"]


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_by_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    User.objects.create_user("prep", password="x")  # noqa: S106
    for _ in range(3):
        assert User.objects.filter(username="prep").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"people_user"' in sql and "username" in sql for sql in prepared), prepared
