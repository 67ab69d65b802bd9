"""The `servewell` console command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.db import database_url

SERVEWELL = str(Path(sys.executable).with_name("servewell"))


def run(*args, env=None):
    return subprocess.run(
        [SERVEWELL, *args],
        capture_output=True,
        text=True,
        timeout=900,  # the whole demo on a busy 2-core machine
        env={**os.environ, **(env or {})},
    )


def test_help_lists_servewell_commands_first_as_typed_each_with_a_description():
    out = run("--help")
    assert out.returncode == 0, out.stderr
    ours, _, theirs = out.stdout.partition("Django and library commands:")
    assert "Servewell commands:" in ours
    for command in ("run", "worker", "demo", "bench", "token", "fetch-mail", "ami-listen"):
        line = next(x for x in ours.splitlines() if x.strip().startswith(command + " "))
        assert len(line.split(None, 1)[1]) > 10, line  # a description follows the name
    assert "fetch_mail" not in out.stdout and "ami_listen" not in out.stdout
    assert "migrate" in theirs and "createsuperuser" in theirs and "axes_reset" in theirs
    assert "migrate" not in ours


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


def test_links_follow_the_port_run_listens_on_unless_site_url_is_set(settings, monkeypatch):
    from servewell.core.management.commands.run import site_url

    monkeypatch.delenv("SITE_URL", raising=False)
    settings.SITE_URL_CONFIGURED = False
    assert site_url("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert (
        settings.SITE_URL == "http://127.0.0.1:8101" and os.environ["SITE_URL"] == settings.SITE_URL
    )
    settings.SITE_URL_CONFIGURED, settings.SITE_URL = True, "https://help.example.com"
    assert site_url("0.0.0.0", 8101) == "https://help.example.com"
