"""The AMI listener against a fake Asterisk that speaks the real Manager line protocol."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from django.core.management import CommandError, call_command

from servewell.livequeue import ami
from servewell.livequeue.models import Call, CallState

BANNER = b"Asterisk Call Manager/5.0.1\r\n"


def packet(**fields: str) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in fields.items()) + b"\r\n"


async def read_request(reader: asyncio.StreamReader) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode().rstrip("\r\n")
        if not text:
            return fields
        key, _, value = text.partition(": ")
        fields[key] = value


class FakeAsterisk:
    """Greets, checks the login, then plays one script of events per connection.
    A script ending in ``"close"`` hangs up afterwards; otherwise it answers pings."""

    def __init__(self, scripts: list[list], secret: str = "s3cret") -> None:
        self.scripts, self.secret = list(scripts), secret
        self.logins: list[dict] = []
        self.port = 0

    async def __aenter__(self) -> FakeAsterisk:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 1)

    async def _session(self, reader, writer) -> None:
        writer.write(BANNER)
        login = await read_request(reader)
        self.logins.append(login or {})
        if not login or login.get("Action") != "Login" or login.get("Secret") != self.secret:
            writer.write(
                packet(
                    Response="Error",
                    ActionID=login.get("ActionID", ""),
                    Message="Authentication failed",
                )
            )
            await writer.drain()
            writer.close()
            return
        writer.write(
            packet(
                Response="Success", ActionID=login["ActionID"], Message="Authentication accepted"
            )
        )
        writer.write(packet(Event="FullyBooted", Privilege="system,all", Status="Fully Booted"))
        script = self.scripts.pop(0) if self.scripts else []
        for item in script:
            if item == "close":
                await writer.drain()
                writer.close()
                return
            writer.write(packet(**item))
        await writer.drain()
        while (request := await read_request(reader)) is not None:
            if request.get("Action") == "Ping":
                writer.write(
                    packet(Response="Success", ActionID=request.get("ActionID", ""), Ping="Pong")
                )
                await writer.drain()


def join(uid, queue="care", caller="+4930123"):
    return {
        "Event": "QueueCallerJoin",
        "Privilege": "agent,all",
        "Channel": f"PJSIP/x-{uid}",
        "CallerIDNum": caller,
        "CallerIDName": "Customer",
        "Uniqueid": uid,
        "Queue": queue,
        "Position": "1",
        "Count": "1",
    }


def leave(uid, queue="care"):
    return {
        "Event": "QueueCallerLeave",
        "Uniqueid": uid,
        "Queue": queue,
        "Count": "0",
        "Position": "1",
    }


def connect(uid, member="alice", queue="care"):
    return {
        "Event": "AgentConnect",
        "Uniqueid": uid,
        "Queue": queue,
        "MemberName": member,
        "Interface": f"PJSIP/{member}",
        "HoldTime": "7",
        "RingTime": "2",
    }


def complete(uid, member="alice", queue="care", talk="42"):
    return {
        "Event": "AgentComplete",
        "Uniqueid": uid,
        "Queue": queue,
        "MemberName": member,
        "Interface": f"PJSIP/{member}",
        "HoldTime": "7",
        "TalkTime": talk,
        "Reason": "caller",
    }


def abandon(uid, queue="care"):
    return {
        "Event": "QueueCallerAbandon",
        "Uniqueid": uid,
        "Queue": queue,
        "Position": "1",
        "OriginalPosition": "1",
        "HoldTime": "30",
    }


@pytest.fixture
def live_db(transactional_db):
    yield


def config(port, **kwargs):
    return ami.AmiConfig(
        host="127.0.0.1",
        port=port,
        username="servewell",
        secret="s3cret",
        backoff_start_s=0.05,
        backoff_max_s=0.2,
        leave_grace_s=0.2,
        **kwargs,
    )


async def until(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(predicate):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def listen(cfg, body):
    listener = ami.AmiListener(cfg)
    task = asyncio.create_task(listener.run())
    try:
        await body(listener)
    finally:
        listener.stop.set()
        await asyncio.wait_for(task, 5)
    return listener


def call_state(call_id):
    found = Call.objects.filter(call_id=call_id).first()
    return found.state if found else None


def test_a_queue_call_from_asterisk_lands_in_the_feed(live_db, care, alice):
    async def scenario():
        script = [join("1700.1"), leave("1700.1"), connect("1700.1"), complete("1700.1")]
        async with FakeAsterisk([script]) as fake:

            async def body(listener):
                await until(lambda: call_state("1700.1") == CallState.COMPLETED)

            await listen(config(fake.port), body)
        return fake

    fake = asyncio.run(scenario())
    login = fake.logins[0]
    assert (login["Action"], login["Username"], login["Secret"]) == ("Login", "servewell", "s3cret")
    call = Call.objects.get(call_id="1700.1")
    assert call.team == care and call.agent == alice
    assert call.caller == "+4930123" and call.talk_s == 42.0


def test_it_reconnects_after_the_connection_drops(live_db, care):
    async def scenario():
        async with FakeAsterisk([[join("a"), "close"], [abandon("a")]]) as fake:

            async def body(listener):
                await until(lambda: call_state("a") == CallState.ABANDONED)
                assert listener.sessions == 2

            await listen(config(fake.port), body)

    asyncio.run(scenario())


def test_a_refused_login_is_retried_with_backoff(live_db, care):
    async def scenario():
        async with FakeAsterisk([[join("b")]], secret="other") as fake:

            async def body(listener):
                await asyncio.sleep(0.4)
                assert listener.sessions == 0 and len(fake.logins) >= 2
                fake.secret = "s3cret"  # the admin fixes manager.conf
                await until(lambda: call_state("b") == CallState.WAITING)

            await listen(config(fake.port), body)

    asyncio.run(scenario())


def test_leaving_without_an_answer_counts_as_abandoned_but_an_answer_wins(live_db, care):
    async def scenario():
        script = [join("gone"), leave("gone"), join("kept"), leave("kept"), connect("kept")]
        async with FakeAsterisk([script]) as fake:

            async def body(listener):
                await until(lambda: call_state("gone") == CallState.ABANDONED)
                await asyncio.sleep(0.3)  # past the grace period of "kept" too

            await listen(config(fake.port), body)

    asyncio.run(scenario())
    assert call_state("kept") == CallState.ANSWERED


def test_queues_map_to_teams_and_unknown_queues_are_skipped(live_db, care, orders):
    async def scenario():
        script = [join("m1", queue="sales"), join("m2", queue="nowhere"), join("m3")]
        async with FakeAsterisk([script]) as fake:

            async def body(listener):
                await until(lambda: call_state("m3") == CallState.WAITING)

            await listen(config(fake.port, queue_map={"sales": "orders"}), body)

    asyncio.run(scenario())
    assert Call.objects.get(call_id="m1").team == orders
    assert not Call.objects.filter(call_id="m2").exists()


def test_packets_parse_as_asterisk_writes_them():
    async def scenario():
        reader = asyncio.StreamReader()
        reader.feed_data(
            b"\r\nEvent: AgentComplete\r\nQueue: care\r\nUniqueid: 9.1\r\n"
            b"TalkTime: 61\r\nMemberName: Alice\r\n\r\n"
        )
        reader.feed_eof()
        first = await ami.read_packet(reader)
        assert await ami.read_packet(reader) is None
        return first

    parsed = asyncio.run(scenario())
    from django.utils import timezone

    event = ami.to_feed_event(parsed, queue_map={}, now=timezone.now())
    assert (event.kind, event.call_id, event.team, event.talk_s, event.agent) == (
        "completed",
        "9.1",
        "care",
        61.0,
        "Alice",
    )


def test_the_command_refuses_a_malformed_queue_map():
    with pytest.raises(CommandError):
        call_command("ami_listen", "--username", "u", "--secret", "s", "--map", "nonsense")


def test_the_command_refuses_a_missing_secret_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("ami_listen", "--username", "u", "--secret-file", str(tmp_path / "nope"))
