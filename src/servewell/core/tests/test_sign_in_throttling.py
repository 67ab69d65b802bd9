"""Sign-in throttling counts attempts per account, from the address this deployment can
vouch for: forged X-Forwarded-For headers neither reset the count nor unlock an account."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings

from servewell.core.clientip import client_ip
from servewell.people.tests.factories import PASSWORD
from tests.support.db import database_url

SERVEWELL = str(Path(sys.executable).with_name("servewell"))
LOGIN_PAGES = ["/login/", "/django-admin/login/"]


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_fifteen_wrong_passwords_from_rotating_addresses_lock_the_account(path, adam):
    _staff(adam)
    statuses = []
    for attempt in range(15):
        client = Client(
            REMOTE_ADDR=f"10.0.0.{attempt + 1}", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}"
        )
        response = client.post(path, {"username": "adam", "password": f"guess-{attempt}"})
        statuses.append(response.status_code)
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_a_locked_account_cannot_sign_in_with_the_right_password_from_elsewhere(path, adam):
    _staff(adam)
    for attempt in range(5):
        Client(REMOTE_ADDR="10.0.0.1").post(path, {"username": "adam", "password": f"x{attempt}"})
    elsewhere = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = elsewhere.post(path, {"username": "adam", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in elsewhere.session
    assert elsewhere.get("/").status_code == 302  # still signed out


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/login/", **extra)


def test_without_a_trusted_proxy_the_address_is_the_sockets():
    assert client_ip(_request("192.0.2.10", "203.0.113.5")) == "192.0.2.10"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_that_proxy_appended():
    forged_then_real = "6.6.6.6, 203.0.113.5"
    assert client_ip(_request("10.0.0.2", forged_then_real)) == "203.0.113.5"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"  # no header: the socket
    assert client_ip(_request("10.0.0.2", "not-an-address")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_is_the_one_the_outer_proxy_saw():
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9")) == "203.0.113.5"
    assert client_ip(_request("10.0.0.2", "203.0.113.5")) == "10.0.0.2"  # too few hops


def test_trusted_proxy_count_follows_behind_tls_proxy_and_refuses_nonsense():
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.TRUSTED_PROXY_COUNT)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "servewell.config.settings"}
    env.pop("TRUSTED_PROXY_COUNT", None)

    def run(**extra):
        return subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True
        )

    assert run().stdout.split() == ["0"]
    assert run(BEHIND_TLS_PROXY="1").stdout.split() == ["1"]
    assert run(BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2").stdout.split() == ["2"]
    refused = run(TRUSTED_PROXY_COUNT="-1")
    assert refused.returncode != 0 and "TRUSTED_PROXY_COUNT" in refused.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_served_app_counts_attempts_from_the_socket_not_forged_headers(alice):
    """`servewell run` (uvicorn) must not take X-Forwarded-For from a loopback peer."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "1",  # no collectstatic on first start
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(  # noqa: S603 - our own command
        [SERVEWELL, "run", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base)
        with httpx.Client(base_url=base, timeout=10) as http:
            for attempt in range(15):
                form = http.get("/login/").text
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
                http.post(
                    "/login/",
                    data={"username": "alice", "password": "wrong", "csrfmiddlewaretoken": token},
                    headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
                )
    finally:
        server.terminate()
        server.wait(10)
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"127.0.0.1"}


def _wait_until_up(server: subprocess.Popen, base: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")
