"""Real time: the SSE stream through a real uvicorn server, and the fan-out inside it."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import httpx
import pytest

from servewell.livequeue import fanout, stream
from servewell.livequeue.models import AlarmRule
from servewell.people.tokens import create_token

from .servers import (
    SseReader,
    session_cookie,
    uvicorn_server,
    uvicorn_servers,
)


@pytest.fixture
def live_db(transactional_db):
    yield


@pytest.fixture
def alarm_setup(live_db, care, orders, alice, bob, feeder):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    _, raw = create_token(feeder, name="pbx")
    return {"Authorization": f"Bearer {raw}"}


def post_event(base, headers, kind, call_id="c1", team="care"):
    response = httpx.post(
        f"{base}/api/queue/events/",
        json={"event": kind, "call_id": call_id, "team": team},
        headers=headers,
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    return response


def test_an_alarm_reaches_the_team_through_the_stream(alarm_setup, alice, bob):
    with uvicorn_server() as base:
        url = f"{base}/queue/stream/?wallboard=1"
        with (
            SseReader(url, session_cookie(alice)) as mine,
            SseReader(f"{base}/queue/stream/", session_cookie(bob)) as other,
        ):
            assert mine.status == 200
            mine.wait_for("hello")
            mine.wait_for("snapshot", team_slug="care", waiting=0)
            post_event(base, alarm_setup, "joined")
            raised = mine.wait_for("alarm", event="raised")
            assert raised.data["asked"] is True
            assert raised.data["team_name"] == "Care"
            mine.wait_for("snapshot", team_slug="care", waiting=1)
            post_event(base, alarm_setup, "abandoned")
            mine.wait_for("alarm", event="cleared")
            assert mine.retry == stream.RETRY_MS  # EventSource reconnects by itself
            time.sleep(0.2)
            # Bob is in Orders: the Care alarm is not his to see.
            assert [e.event for e in other.drain()] == ["hello"]
        # Nobody signed in, no stream.
        anonymous = httpx.get(f"{base}/queue/stream/", follow_redirects=False, timeout=5)
        assert anonymous.status_code == 302


def test_redis_fans_out_across_two_server_processes(alarm_setup, alice):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    with uvicorn_servers(2, redis_url=url) as (first, second):
        _alarm_posted_to_one_reaches_the_other(first, second, alarm_setup, alice)


def test_a_wallboard_marks_snapshots_as_watched_for_every_process(alarm_setup, alice):
    """Snapshots are built only while some screen shows them: an agent's page (alarms
    only) leaves the shared mark unset, a wallboard sets it with an expiry."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    pattern = f"*{fanout.WATCHED_KEY}"
    for key in client.scan_iter(pattern):
        client.delete(key)
    cookie = session_cookie(alice)
    with uvicorn_servers(1, redis_url=url) as (base,):
        with SseReader(f"{base}/queue/stream/", cookie) as page:
            page.wait_for("hello")
        assert list(client.scan_iter(pattern)) == []
        with SseReader(f"{base}/queue/stream/?wallboard=1", cookie) as board:
            board.wait_for("hello")
            keys = list(client.scan_iter(pattern))
            assert len(keys) == 1
            assert 0 < client.ttl(keys[0]) <= fanout.WATCHED_TTL_S
        client.delete(*keys)


def _alarm_posted_to_one_reaches_the_other(first, second, alarm_setup, alice, query=""):
    with SseReader(f"{second}/queue/stream/{query}", session_cookie(alice)) as mine:
        mine.wait_for("hello")
        post_event(first, alarm_setup, "joined")  # posted to the other process
        raised = mine.wait_for("alarm", event="raised")
        assert raised.data["asked"] is True
        if query:
            mine.wait_for("snapshot", team_slug="care", waiting=1)


def test_without_redis_the_processes_of_one_database_fan_out_through_unix_sockets(
    alarm_setup, alice
):
    """The embedded default runs a web process per core: an event posted to one reaches
    the screens on the other, and a killed process's socket is cleared by the next
    publisher instead of failing it."""
    with uvicorn_servers(2) as (first, second):
        _alarm_posted_to_one_reaches_the_other(first, second, alarm_setup, alice, "?wallboard=1")
        cookie = session_cookie(alice)
        folder = fanout.bus_folder()
        stale = Path(folder) / "999999999-dead.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(stale))  # bound, never listening: what a killed process leaves
        listener.close()
        with SseReader(f"{second}/queue/stream/", cookie) as mine:
            mine.wait_for("hello")
            post_event(first, alarm_setup, "abandoned")
            mine.wait_for("alarm", event="cleared")
        assert not stale.exists()
        # This process publishes as the job worker does: the servers' screens hear it.
        assert fanout.peers.send({"type": "snapshot", "team": 0, "data": {}}) >= 1


def test_a_process_without_listeners_publishes_to_its_own_streams_only(tmp_path, monkeypatch):
    monkeypatch.setattr(fanout, "bus_folder", lambda: str(tmp_path / "none-here"))
    assert fanout.peers.send({"type": "snapshot", "team": 1, "data": {}}) == 0


# --- Inside the process -------------------------------------------------------------------


def test_hub_delivers_alarms_to_the_asked_and_the_teams_only():
    async def scenario():
        loop = asyncio.get_running_loop()
        teammate = fanout.Subscriber(1, frozenset({10}), snapshots=False, loop=loop)
        manager = fanout.Subscriber(2, None, snapshots=True, loop=loop)
        outsider = fanout.Subscriber(3, frozenset({20}), snapshots=True, loop=loop)
        hub = fanout.Hub()
        for sub in (teammate, manager, outsider):
            hub.add(sub)
        alarm = {"type": "alarm", "team": 10, "data": {"id": 5}, "audience": [1], "org": False}
        assert hub.deliver(alarm) == 2
        assert b'"asked":true' in teammate.queue.get_nowait()
        assert b'"asked":false' in manager.queue.get_nowait()
        assert outsider.queue.empty()
        assert hub.deliver({"type": "snapshot", "team": 10, "data": {}}) == 1  # manager only
        org = {"type": "alarm", "team": 10, "data": {"id": 6}, "audience": None, "org": True}
        assert hub.deliver(org) == 3

    asyncio.run(scenario())


def test_hub_delivers_from_another_thread():
    async def scenario():
        loop = asyncio.get_running_loop()
        sub = fanout.Subscriber(1, None, snapshots=True, loop=loop)
        hub = fanout.Hub()
        hub.add(sub)
        message = {"type": "snapshot", "team": 1, "data": {"waiting": 3}}
        await asyncio.to_thread(hub.deliver, message)
        frame = await asyncio.wait_for(sub.queue.get(), 1)
        assert frame == b'event: snapshot\ndata: {"waiting":3}\n\n'

    asyncio.run(scenario())


def test_stream_sends_retry_then_heartbeats_and_drops_a_client_that_falls_behind(monkeypatch):
    monkeypatch.setattr(stream, "HEARTBEAT_S", 0.05)

    async def scenario():
        loop = asyncio.get_running_loop()
        sub = fanout.Subscriber(1, None, snapshots=True, loop=loop)
        fanout.hub.add(sub)
        events = stream._events(sub, b"event: hello\ndata: {}\n\n")
        first = await anext(events)
        assert first.startswith(b"retry: 3000\n\n") and b"event: hello" in first
        assert await anext(events) == b": ping\n\n"
        for n in range(fanout.QUEUE_LIMIT + 5):
            fanout._put_all([(sub, f"event: snapshot\ndata: {n}\n\n".encode())])
        chunk = await anext(events)
        assert chunk.count(b"event: snapshot") == fanout.QUEUE_LIMIT
        with pytest.raises(StopAsyncIteration):
            await anext(events)
        assert sub not in fanout.hub._subscribers

    asyncio.run(scenario())


@pytest.mark.django_db
def test_under_a_wsgi_server_the_stream_answers_once_and_asks_to_poll(client_as, alice, care):
    """A sync (WSGI) worker must not be held by an endless stream: the client gets the
    current state at once and a retry that makes EventSource poll."""
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    response = client_as(alice).get("/queue/stream/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    body = response.content
    assert body.startswith(f"retry: {stream.POLL_RETRY_MS}\n\n".encode())
    assert b"event: hello" in body
    assert len(fanout.hub) == 0  # nobody left subscribed for a response that has ended


def test_the_door_checks_what_the_middleware_would(alarm_setup, alice):
    """``servewell run`` serves the stream beside Django's handler: it still refuses a
    host the server does not answer, other methods, and anyone not signed in."""
    with uvicorn_server() as base:
        cookies = session_cookie(alice)
        foreign = httpx.get(
            f"{base}/queue/stream/", cookies=cookies, headers={"Host": "evil.example"}, timeout=5
        )
        assert foreign.status_code == 400 and "Host" in foreign.text
        posted = httpx.post(f"{base}/queue/stream/", cookies=cookies, timeout=5)
        assert posted.status_code == 405
        stranger = httpx.get(
            f"{base}/queue/stream/", cookies={"sessionid": "not-a-session"}, timeout=5
        )
        assert stranger.status_code == 302 and "/login/" in stranger.headers["location"]
        with SseReader(f"{base}/queue/stream/", cookies) as mine:
            assert mine.status == 200
            assert mine.wait_for("hello").data["user"] == alice.pk
