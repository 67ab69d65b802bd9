"""Webhooks against a real HTTP receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from servewell.core import webhooks
from servewell.core.models import WebhookDelivery
from servewell.people import directory


class Receiver:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(*statuses):
        r = Receiver(statuses)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def test_events_are_posted_signed_and_logged(adam, receiver, django_capture_on_commit_callbacks):
    r = receiver(200)
    hook = webhooks.create_webhook(adam, name="CRM", url=r.url, events=["person.created"])
    with django_capture_on_commit_callbacks(execute=True):
        directory.create_person(adam, username="nia", email="nia@example.org")
    assert len(r.requests) == 1
    headers, body = r.requests[0]
    payload = json.loads(body)
    assert payload["event"] == "person.created"
    assert payload["data"]["username"] == "nia"
    expected = hmac.new(
        hook.secret.encode(), f"{headers['X-Servewell-Timestamp']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Servewell-Signature"] == f"sha256={expected}"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.response_status == 200


def test_unsubscribed_events_are_not_sent(adam, receiver, django_capture_on_commit_callbacks):
    r = receiver()
    webhooks.create_webhook(adam, name="Teams only", url=r.url, events=["team.created"])
    with django_capture_on_commit_callbacks(execute=True):
        directory.create_person(adam, username="nia", email="nia@example.org")
    assert r.requests == []


def test_a_failing_receiver_is_retried_and_each_attempt_logged(adam, receiver):
    r = receiver(500, 503, 200)
    hook = webhooks.create_webhook(adam, name="Flaky", url=r.url)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=hook, event_id="e1", event="webhook.ping", payload={"x": 1}
        )
    for _ in range(2):
        with pytest.raises(webhooks.DeliveryFailed):
            webhooks.attempt_delivery(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == "retrying"
    webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(r.requests)) == ("delivered", 3, 3)


def test_a_delivery_fails_for_good_after_the_last_attempt(adam):
    hook = webhooks.create_webhook(adam, name="Gone", url="http://127.0.0.1:9/nothing")
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event_id="e1", event="webhook.ping", payload={}
    )
    for _ in range(webhooks.MAX_ATTEMPTS):
        with pytest.raises(webhooks.DeliveryFailed):
            webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "ConnectError" in delivery.error


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "url": "ftp://example.org"}, "url"),
        ({"name": "x", "url": "not a url"}, "url"),
        ({"name": "x", "url": "https://example.org", "events": ["no.such"]}, "events"),
        ({"url": "https://example.org"}, "name"),
        ({"name": "x", "url": "https://example.org", "secret": "short"}, "secret"),
    ],
)
def test_webhook_api_refuses_bad_input(client_as, adam, payload, field):
    response = client_as(adam).post("/api/webhooks/", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_webhook_api_create_ping_and_read_deliveries(client_as, adam, receiver):
    r = receiver(200)
    client = client_as(adam)
    created = client.post(
        "/api/webhooks/", {"name": "Ops", "url": r.url}, content_type="application/json"
    )
    assert created.status_code == 201 and len(created.json()["secret"]) >= 32
    hook_id = created.json()["id"]
    assert "secret" not in client.get(f"/api/webhooks/{hook_id}/").json()
    assert client.post(f"/api/webhooks/{hook_id}/ping/").status_code == 202
    deliveries = client.get(f"/api/webhooks/{hook_id}/deliveries/").json()["results"]
    assert deliveries[0]["event"] == "webhook.ping"
    assert (
        client.patch(
            f"/api/webhooks/{hook_id}/", {"url": "nope"}, content_type="application/json"
        ).status_code
        == 400
    )


def test_admin_manages_webhooks_in_the_app(client_as, adam):
    client = client_as(adam)
    bad = client.post("/admin-tools/webhooks/", {"name": "x", "url": "ftp://x"})
    assert bad.status_code == 400
    response = client.post(
        "/admin-tools/webhooks/",
        {
            "name": "CRM",
            "url": "https://crm.example/h",
            "events": ["team.created"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "CRM" in page and "Deliveries" in page
