"""A provider's webhook on the fast lane (``?respond=async``): the deliveries of a round
checked together, stored, answered "received" and filed by the worker, with the same
refusals as the other door."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from servewell.core.fastlane import Arrival
from servewell.desk.models import Message
from servewell.mail.api import accept_inbound
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.people.tokens import create_token


@pytest.fixture
def token(adam):
    return create_token(adam, name="mail provider")[1]


def delivery(token: str | None, raw: bytes) -> Arrival:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return Arrival(headers, raw, {"respond": "async"})


def test_a_round_of_deliveries_is_stored_answered_and_filed(
    token, care, django_capture_on_commit_callbacks
):
    one = samples.plain(message_id="<lane-1@example.com>")
    two = samples.plain("Second", message_id="<lane-2@example.com>")
    with django_capture_on_commit_callbacks(execute=True):
        replies = accept_inbound([delivery(token, one), delivery(token, two)])
    assert [r.status for r in replies] == [202, 202]
    assert {r.body["state"] for r in replies} == {"received"}
    assert replies[0].headers["Preference-Applied"] == "respond-async"
    for reply in replies:
        inbound = InboundEmail.objects.get(pk=reply.body["inbound"])
        assert inbound.source == "http-async:adam"
        assert inbound.state == InboundEmail.State.PROCESSED  # the worker (inline) filed it
    assert Message.objects.count() == 2
    [again] = accept_inbound([delivery(token, one)])
    assert again.status == 202 and again.body["state"] == "duplicate"
    assert (
        again.body["conversation"]
        == Message.objects.get(inbound__message_id="<lane-1@example.com>").conversation_id
    )


def test_each_delivery_of_a_round_is_refused_on_its_own(token, care, settings):
    settings.DESK_INBOUND_MAX_BYTES = 2000
    agent = make_person("nosy", [Role.AGENT])
    _, agents_token = create_token(agent, name="mine")
    replies = accept_inbound(
        [
            delivery(None, samples.plain()),
            delivery("sw_nope_nope", samples.plain()),
            delivery(agents_token, samples.plain()),
            delivery(token, b"  \r\n"),
            delivery(token, samples.plain("x" * 5000)),
            delivery(token, samples.plain(message_id="<kept@example.com>")),
        ]
    )
    assert [r.status for r in replies] == [401, 401, 403, 400, 413, 202]
    assert "raw email" in replies[3].body["detail"]
    assert "2,000-byte" in replies[4].body["detail"]
    assert InboundEmail.objects.get().message_id == "<kept@example.com>"


def test_garbage_on_the_lane_is_kept_for_the_quarantine(
    token, care, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [reply] = accept_inbound([delivery(token, b"\x00\xff\xfe not an email")])
    inbound = InboundEmail.objects.get(pk=reply.body["inbound"])
    assert inbound.state == InboundEmail.State.QUARANTINED and inbound.reason
    assert bytes(inbound.raw) == b"\x00\xff\xfe not an email"


@pytest.fixture(autouse=True)
def _lanes_closed_after():
    yield
    import sys

    if "servewell.config.asgi" in sys.modules:
        sys.modules["servewell.config.asgi"].lanes.stop()


@pytest.mark.django_db(transaction=True)
def test_the_webhook_reaches_the_lane_over_http(adam, care):
    from servewell.config.asgi import application

    _, raw_token = create_token(adam, name="mail provider")
    raw = samples.plain(message_id="<lane-http@example.com>")

    async def post(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            headers = {"Authorization": f"Bearer {raw_token}", "Content-Type": "message/rfc822"}
            return await c.post(path, content=raw, headers=headers)

    response = asyncio.run(post("/api/mail/inbound/?respond=async"))
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "received"
    assert response.headers["preference-applied"] == "respond-async"
    assert Message.objects.filter(inbound__message_id="<lane-http@example.com>").exists()
    # The same path without the parameter is Django's door, which files before answering.
    response = asyncio.run(post("/api/mail/inbound/"))
    assert response.status_code == 202 and response.json()["state"] == "duplicate"
