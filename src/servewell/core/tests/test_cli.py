"""The `servewell` console command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from servewell.core.testing import database_url

SERVEWELL = str(Path(sys.executable).with_name("servewell"))


def run(*args, env=None):
    return subprocess.run(
        [SERVEWELL, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_servewell_and_django_commands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("run", "worker", "demo", "bench", "token", "migrate", "createsuperuser"):
        assert f"    {command}\n" in out.stdout, command


@pytest.mark.django_db(transaction=True)
def test_token_create_prints_a_working_token(settings, alice, client):
    env = {"DATABASE_URL": database_url()}
    out = run("token", "create", "alice", "--name", "backup script", env=env)
    assert out.returncode == 0, out.stderr
    raw = out.stdout.strip()
    assert raw.startswith("sw_")
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["username"] == "alice"
    missing = run("token", "create", "nobody", env=env)
    assert missing.returncode != 0 and "No active user" in missing.stderr


@pytest.mark.django_db(transaction=True)
def test_demo_loads_an_organisation_once(settings):
    env = {"DATABASE_URL": database_url()}
    first = run("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "Password for every demo account" in first.stdout
    from servewell.people.models import Team, User

    people, teams = User.objects.count(), Team.objects.count()
    assert people >= 20 and teams == 3
    assert run("demo", env=env).returncode == 0
    assert (User.objects.count(), Team.objects.count()) == (people, teams)
