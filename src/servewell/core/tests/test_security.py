"""Security defaults a deployer relies on."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


def test_pages_carry_a_strict_content_security_policy(client_as, alice):
    response = client_as(alice).get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_forms_need_a_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/me/presence/", {"presence": "away"}).status_code == 403


def test_api_session_writes_need_a_csrf_token_but_tokens_do_not(alice):
    from servewell.people.tokens import create_token

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.put("/api/me/", {"presence": "away"}, content_type="application/json")
    assert response.status_code == 403
    _t, raw = create_token(alice, name="cli")
    bare = Client(enforce_csrf_checks=True)
    response = bare.put(
        "/api/me/",
        {"presence": "away"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_sign_in(client, alice):
    from servewell.people.tests.factories import PASSWORD

    for _ in range(3):
        response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    locked = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429


def test_sign_in_and_out(client, alice):
    from servewell.people.tests.factories import PASSWORD

    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Hello, Alice" in client.get("/").content.decode()
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_secure_cookies_outside_debug():
    from servewell.config import settings as real

    assert real.SESSION_COOKIE_HTTPONLY is True
    # Outside tests and debug, cookies are Secure unless SECURE_COOKIES=0 is set explicitly.
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup();"
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)",
        ],
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"SERVEWELL_TESTING", "DEBUG", "SECURE_COOKIES"}
            },
            "DJANGO_SETTINGS_MODULE": "servewell.config.settings",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "perhaps"),
        ("EMAIL_PORT", "smtp"),
        ("DATABASE_URL", "nonsense://x"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_clear_message(name, value):
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "servewell.config.settings", name: value},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert name in out.stderr
