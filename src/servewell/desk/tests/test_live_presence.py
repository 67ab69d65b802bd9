"""Presence pushed over the page's live stream: an open conversation page learns who
came, who started writing and that its copy went stale without polling, through a real
server; and the stream refuses what the page itself would refuse."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.cache import cache

from servewell.core import contract
from servewell.desk.models import Conversation
from servewell.desk.tests.factories import make_conversation
from servewell.livequeue import fanout, stream
from servewell.livequeue.tests.servers import SseReader, session_cookie, uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def _raw_stream(base: str, url: str, cookies: dict[str, str]):
    """A page's stream on a bare socket, closed for sure at the end (the page goes)."""
    parts = urlsplit(base)
    path = url[len(base) :]
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    try:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n\r\n".encode()
        )
        received = b""
        while b"event: hello" not in received:
            received += sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200")
        yield
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def _viewers(event) -> set[tuple[str, str]]:
    return {(v["name"], v["state"]) for v in event.data["viewers"]}


def test_a_second_agent_and_a_change_reach_the_open_page_without_a_poll(care, alice, lena):
    cache.clear()
    conversation = make_conversation(care, subject="Parcel held at the depot")
    with uvicorn_server() as base:
        watch = f"{base}/queue/stream/?conversation={conversation.pk}"
        with SseReader(watch, session_cookie(alice)) as mine:
            assert mine.wait_for("hello").data["watching"] == [f"conversation:{conversation.pk}"]
            first = mine.wait_for("live", event="version")
            assert first.data["version"] == conversation.version
            # Lena opens the same conversation: Alice's page hears it at once.
            with _raw_stream(base, watch, session_cookie(lena)):
                came = mine.wait_for("live", event="viewers")
                assert (str(lena), "viewing") in _viewers(came)
                # She starts writing (the page's one request on a change of state).
                client = httpx.Client(base_url=base, cookies=session_cookie(lena), timeout=10)
                page = client.get(f"/desk/c/{conversation.pk}/")
                token = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
                answer = client.post(
                    f"/desk/c/{conversation.pk}/presence/",
                    data={"state": "replying", "expected_version": conversation.version},
                    headers={"X-CSRFToken": token, "Referer": base},
                )
                assert answer.status_code == 200
                writing = mine.wait_for("live", event="viewers")
                assert (str(lena), "replying") in _viewers(writing)
                # She sends a note: Alice's copy is stale, and her page is told so.
                sent = client.post(
                    f"/desk/c/{conversation.pk}/messages/",
                    data={
                        "kind": "note",
                        "body_text": "Called the depot.",
                        "expected_version": conversation.version,
                    },
                    headers={"X-CSRFToken": token, "Referer": base, "HX-Request": "true"},
                )
                assert sent.status_code == 200, sent.text
                fresh = Conversation.objects.get(pk=conversation.pk).version
                assert fresh > conversation.version
                assert mine.wait_for("live", event="version", version=fresh)
            # Lena's page closed: she is gone from Alice's page, without waiting for a TTL.
            seen = [mine.wait_for("live", event="viewers")]
            while str(lena) in {v["name"] for v in seen[-1].data["viewers"]}:
                seen.append(mine.wait_for("live", event="viewers", timeout=5))
            assert _viewers(seen[-1]) == {(str(alice), "viewing")}


def test_the_stream_refuses_a_conversation_the_page_would_refuse(care, orders, alice, bob):
    conversation = make_conversation(care)
    with uvicorn_server() as base:
        cookies = session_cookie(bob)  # Orders: Care's conversation is not his to see
        refused = httpx.get(
            f"{base}/queue/stream/?conversation={conversation.pk}", cookies=cookies, timeout=10
        )
        assert refused.status_code == 404
        bad = httpx.get(f"{base}/queue/stream/?conversation=abc", cookies=cookies, timeout=10)
        assert bad.status_code == 400
        assert "conversation must be a positive whole number" in bad.text


def test_open_streams_renew_their_watches_together_and_leave_when_they_close():
    """No poll keeps the entries alive: the process renews every open stream's watch in
    one call, and a stream takes its own away when the page goes (not a TTL later)."""
    calls: list = []
    watch = contract.LiveWatch(
        "conversation",
        enter=lambda user, pk: calls.append("enter"),
        state=lambda user, pk: [],
        renew=lambda watchers: calls.append(sorted(pk for _, pk in watchers)),
        leave=lambda user, pk: calls.append(("leave", pk)),
        renew_s=0.05,
    )

    async def scenario():
        loop = asyncio.get_running_loop()
        streams = []
        for pk in (7, 8):
            sub = fanout.Subscriber(1, None, snapshots=False, loop=loop, topics={f"c:{pk}"})
            fanout.hub.add(sub)
            events = stream._events(sub, b"", object(), [stream._Watch(watch, pk)])
            await anext(events)
            streams.append((sub, events, asyncio.ensure_future(anext(events))))
        await asyncio.sleep(0.3)
        assert calls.count([7, 8]) >= 3  # both, in one call each time
        sub, events, waiting = streams[0]
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await events.aclose()
        for _ in range(50):
            if ("leave", 7) in calls:
                break
            await asyncio.sleep(0.02)
        assert ("leave", 7) in calls and sub not in fanout.hub._subscribers
        await asyncio.sleep(0.15)
        assert calls[-1] == [8]  # the closed one is renewed no more
        _, events, waiting = streams[1]
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await events.aclose()

    asyncio.run(scenario())
