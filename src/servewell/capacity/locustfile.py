"""Agents at work, for Locust: what one person at the desk does to the server.

Run by ``servewell bench --only capacity`` (through ``core.bench.loaddriver``), or by hand:
``SERVEWELL_CAPACITY_WORLD=world.json locust -f src/servewell/capacity/locustfile.py``.
``world.json`` (``capacity.world``) says who signs in and what they work on.

Each simulated agent, as a browser with the pages' htmx and scripts would:

- signs in: one in ten through the login form (GET it, POST it with its CSRF token),
  the others from a session made for them (already signed in this shift); then takes
  the CSRF token the pages hand out and sends it with every POST;
- holds the page's live stream ``/queue/stream/`` open, as every signed-in page does,
  read by a greenlet of its own on a bare socket, and opens it again with each page it
  loads (a browser's EventSource lives as long as its page); a conversation page opens
  it with ``?conversation=<id>``, which keeps the agent's presence there and pushes who
  else comes and whether the page went stale; a refused or dropped stream counts as an
  error;
- works in a loop, at the pace of a busy agent:
    - opens the inbox in one of its views (mine, team unassigned, all open, everything)
      and reads it for 5-15 s;
    - one time in four searches for a word, and reads the results for 5-15 s;
    - opens a conversation of its team and stays on it 30-90 s: the page polls the SLA
      clocks every 30 s (``GET /commitments/c/<id>/clocks/``, also once when the page
      loads), and asks for its presence box (``POST /desk/c/<id>/presence/``) only when
      the stream says something changed that it does not already show; while there it
      does 0-2 things: reply (35 %), add a note (20 %), change status (25 %), take the
      conversation (20 %);
- about 0.1 requests a second per agent, and one stream opened per page.

Before the stream carried presence, the page polled it every 5 s: three requests in four
were those polls (``SERVEWELL_CAPACITY_PRESENCE=poll`` still simulates that page).

Users are Locust's ``FastHttpUser`` (geventhttpclient): the load generator runs on the
server's own cores, and this client costs several times less CPU per request than the
requests-based one, which leaves the measured cores to the server.

Two feeds run beside the agents, at a rate that grows with the number of agents: the
telephony system posts call events (joined, answered, completed: one call a second per
100 agents) and a mail provider delivers inbound email through ``/api/mail/inbound/``
(one a second per 600 agents). Both post to the fast door (``?respond=async``), as the
README tells a busy contact centre to set them up: stored and answered at once, filed
and derived by the worker in batches. ``SERVEWELL_CAPACITY_FEED_DOOR=sync`` posts them
through Django instead, answered with the call or the filed conversation.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import itertools
import json
import os
import random
import re
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

WORLD_PATH = os.environ.get("SERVEWELL_CAPACITY_WORLD", "world.json")
#: Scales every think time and poll interval (a test runs a day's pattern in seconds).
PACE = float(os.environ.get("SERVEWELL_CAPACITY_PACE", "1"))
INBOX_VIEWS = ("mine", "unassigned", "open", "all")
READ_S = (5.0 * PACE, 15.0 * PACE)
DWELL_S = (30.0 * PACE, 90.0 * PACE)
POLL_S = 5.0 * PACE
CLOCKS_EVERY = 6  # presence polls, i.e. 30 s
SEARCH_SHARE = 0.25
ACTIONS = {"reply": 35, "note": 20, "status": 25, "take": 20}
CALLS_PER_S_PER_AGENT = 1 / 100
MAILS_PER_S_PER_AGENT = 1 / 600
OK_CONFLICT = 409  # someone else changed it first: the page says so, nothing broke
#: The feeds' door: the fast one a busy centre uses, unless told to post through Django.
FEED_QUERY = "" if os.environ.get("SERVEWELL_CAPACITY_FEED_DOOR") == "sync" else "?respond=async"
#: "poll": the conversation page of old, which asked for its presence every 5 s.
PRESENCE_POLL = os.environ.get("SERVEWELL_CAPACITY_PRESENCE") == "poll"
SETTLE_S = 0.4  # the page looks at a pushed version once its own answer has landed

_world: dict[str, Any] | None = None
_next_agent = itertools.count()


def world() -> dict[str, Any]:
    global _world
    if _world is None:
        with open(WORLD_PATH, encoding="utf-8") as handle:
            _world = json.load(handle)
            _world["team_by_id"] = {t["id"]: t for t in _world["teams"]}
    return _world


def _agents_now(user: Any) -> int:
    runner = user.environment.runner
    return max(1, (runner.user_count if runner else 1) - 2)


VERSION = re.compile(r'id="conv-version" name="expected_version" value="(\d+)"')


def _version(html: str) -> int | None:
    found = VERSION.search(html)
    return int(found.group(1)) if found else None


def _data(frame: bytes) -> dict[str, Any]:
    """The JSON of an SSE frame's one data line (the frame may begin with the previous
    HTTP chunk's end and this one's size)."""
    return json.loads(frame.split(b"data: ", 1)[1].split(b"\r\n", 1)[0])


def _selected(html: str, name: str) -> str:
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if not block:
        return ""
    chosen = re.search(r'<option value="([^"]*)" selected', block.group(1))
    return chosen.group(1) if chosen else ""


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else ""


class Agent(FastHttpUser):
    """One agent at the desk."""

    wait_time = constant(0)  # the task paces itself with the think times above
    weight = 1

    def on_start(self) -> None:
        data = world()
        self.me = data["agents"][next(_next_agent) % len(data["agents"])]
        self.team = data["team_by_id"][self.me["team"]]
        self.stream_socket: socket.socket | None = None
        self.stream: gevent.Greenlet | None = None
        self.on_page: int | None = None  # the conversation the page shows
        self.version: int | None = None
        self.my_id: int | None = None
        if self.me["session"]:
            self._set_cookie(data.get("session_cookie", "sessionid"), self.me["session"])
            self.client.get("/desk/", name="/desk/ (start of shift)")
        else:
            self._sign_in(data)
        self._open_stream()

    def on_stop(self) -> None:
        self._close_stream()

    def _open_stream(self, conversation: int | None = None) -> None:
        """A page loaded: its EventSource replaces the last page's."""
        self._close_stream()
        self.on_page = conversation
        watch = "" if conversation is None or PRESENCE_POLL else f"?conversation={conversation}"
        self.stream = gevent.spawn(self._alarm_stream, watch)

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.stream.kill(block=False)
        if self.stream_socket is not None:
            self.stream_socket.close()
            self.stream_socket = None

    # --- signing in and the alarm stream ---------------------------------------------

    def _sign_in(self, data: dict[str, Any]) -> None:
        self.client.get("/login/", name="/login/")
        self.client.post(
            "/login/",
            data={
                "username": self.me["username"],
                "password": data["password"],
                "csrfmiddlewaretoken": self._csrf(),
            },
            name="/login/",
        )

    def _csrf(self) -> str:
        return self._cookies().get(world().get("csrf_cookie", "csrftoken"), "")

    def _cookies(self) -> dict[str, str]:
        return {c.name: c.value or "" for c in self.client.cookiejar}

    def _set_cookie(self, name: str, value: str) -> None:
        """A session made before the shift, as the browser would still hold it."""
        host = urlsplit(self.host).hostname or ""
        self.client.cookiejar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None,
                False, None, None, {},
            )
        )  # fmt: skip

    def _headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self._csrf(), "HX-Request": "true"}

    def _alarm_stream(self, watch: str) -> None:
        """Hold ``/queue/stream/`` open as EventSource does; reconnect after 3 s if it
        ends, as EventSource does."""
        parts = urlsplit(self.host)
        cookie = "; ".join(f"{k}={v}" for k, v in self._cookies().items())
        request = (
            f"GET /queue/stream/{watch} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
        while True:
            started = time.perf_counter()
            error: Exception | None = None
            try:
                sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
                self.stream_socket = sock
                sock.sendall(request)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise ConnectionError("closed before the headers")
                    head += chunk
                status = head.split(b" ", 2)[1]
                if status != b"200":
                    raise ConnectionError(f"answered {status.decode()}")
            except Exception as exc:
                error = exc
            self.environment.events.request.fire(
                request_type="SSE",
                name="/queue/stream/?conversation= (open)" if watch else "/queue/stream/ (open)",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=error,
                context={},
            )
            if error is None:
                sock.settimeout(None)
                with contextlib.suppress(OSError, ValueError):  # closed, or cut mid-frame
                    self._read_frames(sock, head.partition(b"\r\n\r\n")[2])
            gevent.sleep(3)

    def _read_frames(self, sock: socket.socket, buffer: bytes) -> None:
        """Act on the ``live`` frames as the conversation page's script does. The body
        is chunked; a frame is found by its blank line whatever the chunk sizes."""
        while True:
            while b"\n\n" in buffer:
                frame, _, buffer = buffer.partition(b"\n\n")
                if b"event: live\n" in frame:
                    self._pushed(_data(frame))
                elif b"event: hello\n" in frame:
                    self.my_id = _data(frame)["user"]
            chunk = sock.recv(65536)
            if not chunk:
                return
            buffer += chunk

    def _pushed(self, data: dict[str, Any]) -> None:
        pk = self.on_page
        if pk is None or data.get("conversation") != pk:
            return
        if data["event"] == "viewers":
            if any(v["user"] != self.my_id for v in data["viewers"]):
                gevent.spawn(self._presence, pk)
        elif data["event"] == "version" and self.version is not None:
            announced = data["version"]
            if announced > self.version:
                gevent.spawn_later(SETTLE_S, self._stale_check, pk, announced)

    def _stale_check(self, pk: int, announced: int) -> None:
        if self.on_page == pk and self.version is not None and announced > self.version:
            self._presence(pk)

    def _presence(self, pk: int) -> None:
        self.client.post(
            f"/desk/c/{pk}/presence/",
            data={"state": "viewing", "expected_version": self.version or ""},
            headers=self._headers(),
            name="/desk/c/<id>/presence/",
        )

    # --- the work ----------------------------------------------------------------------

    @task
    def shift(self) -> None:
        view = random.choice(INBOX_VIEWS)
        self.client.get(f"/desk/?view={view}", name=f"/desk/?view={view}")
        self._open_stream()
        self._think(READ_S)
        if random.random() < SEARCH_SHARE:
            word = random.choice(world()["words"])
            self.client.get(f"/desk/search/?q={word}", name="/desk/search/?q=")
            self._open_stream()
            self._think(READ_S)
        if self.team["conversations"]:
            self._conversation(random.choice(self.team["conversations"]))

    def _think(self, span: tuple[float, float]) -> None:
        gevent.sleep(random.uniform(*span))

    def _conversation(self, pk: int) -> None:
        page = self.client.get(f"/desk/c/{pk}/", name="/desk/c/<id>/")
        html = page.text if page.ok else ""
        self.version = _version(html)
        self.html = html
        self._open_stream(pk)
        self.client.get(
            f"/commitments/c/{pk}/clocks/",
            name="/commitments/c/<id>/clocks/",
            headers={"HX-Request": "true"},
        )
        ticks = int(random.uniform(*DWELL_S) // POLL_S)
        acting = set(random.sample(range(ticks), k=min(ticks, random.choice((0, 1, 1, 2)))))
        for tick in range(ticks):
            gevent.sleep(POLL_S)
            if PRESENCE_POLL:
                self._presence(pk)
            if tick % CLOCKS_EVERY == CLOCKS_EVERY - 1:
                self.client.get(
                    f"/commitments/c/{pk}/clocks/",
                    name="/commitments/c/<id>/clocks/",
                    headers={"HX-Request": "true"},
                )
            if tick in acting and self.version is not None:
                action = random.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
                getattr(self, f"_{action}")(pk)

    def _post(self, path: str, name: str, data: dict[str, Any]) -> None:
        with self.client.post(
            path, data=data, headers=self._headers(), name=name, catch_response=True
        ) as response:
            if response.status_code == OK_CONFLICT:
                response.success()
            found = _version(response.text or "")
            if found is not None:
                self.version = found
            elif response.ok and self.version is not None:
                self.version += 1

    def _reply(self, pk: int) -> None:
        self._post(
            f"/desk/c/{pk}/messages/",
            "/desk/c/<id>/messages/ (reply)",
            {
                "kind": "reply",
                "body_text": "Thanks for waiting. I have checked your order and a new one is "
                "on its way; you will have it within two working days.",
                "status": "",
                "expected_version": self.version,
            },
        )

    def _note(self, pk: int) -> None:
        self._post(
            f"/desk/c/{pk}/messages/",
            "/desk/c/<id>/messages/ (note)",
            {
                "kind": "note",
                "body_text": "Checked the courier's site: parcel held at the depot.",
                "expected_version": self.version,
            },
        )

    def _status(self, pk: int) -> None:
        self._post(
            f"/desk/c/{pk}/update/",
            "/desk/c/<id>/update/",
            {
                "expected_version": self.version,
                "status": random.choice(["open", "pending", "on_hold", "open"]),
                "priority": _selected(self.html, "priority") or "normal",
                "team": self.team["id"],
                "assignee": _selected(self.html, "assignee"),
                "tags": _input(self.html, "tags"),
            },
        )

    def _take(self, pk: int) -> None:
        self._post(
            f"/desk/c/{pk}/take/",
            "/desk/c/<id>/take/",
            {"expected_version": self.version},
        )


class _Feed(FastHttpUser):
    """A machine posting at a rate that grows with the number of agents."""

    abstract = True
    fixed_count = 1
    wait_time = constant(0)
    per_agent_per_s = 0.0

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {world()['token']}"}

    @task
    def tick(self) -> None:
        """Post at the feed's rate whatever the answers' latency, as a phone system posts
        as calls happen: each round runs in a greenlet of its own, so a slow answer
        delays no later round (waiting for each answer held the feed below its rate
        exactly when the server was slow)."""
        gevent.spawn(self.post_one)
        gevent.sleep(1 / (self.per_agent_per_s * _agents_now(self)))

    def post_one(self) -> None:
        raise NotImplementedError


class TelephonyFeed(_Feed):
    """The phone system: each call joins the queue, is answered, ends."""

    per_agent_per_s = CALLS_PER_S_PER_AGENT

    def on_start(self) -> None:
        super().on_start()
        self.calls = itertools.count()
        self.waiting: list[tuple[str, dict[str, Any]]] = []

    def post_one(self) -> None:
        team = random.choice(world()["teams"])
        call = f"cap-{os.getpid()}-{next(self.calls)}"
        self._event("joined", call, team)
        self.waiting.append((call, team))
        if len(self.waiting) > 3:
            old, old_team = self.waiting.pop(0)
            agent = random.choice([a for a in world()["agents"] if a["team"] == old_team["id"]])
            self._event("answered", old, old_team, agent=agent["username"])
            self._event("completed", old, old_team, agent=agent["username"], talk_s=180)

    def _event(self, kind: str, call: str, team: dict[str, Any], **extra: Any) -> None:
        self.client.post(
            f"/api/queue/events/{FEED_QUERY}",
            json={"event": kind, "call_id": call, "team": str(team["id"]), **extra},
            headers=self.auth,
            name=f"/api/queue/events/ ({kind})",
        )


class MailFeed(_Feed):
    """A mail provider forwarding inbound email to the API."""

    per_agent_per_s = MAILS_PER_S_PER_AGENT

    def on_start(self) -> None:
        super().on_start()
        self.sent = itertools.count()

    def post_one(self) -> None:
        n = next(self.sent)
        team = random.choice(world()["teams"])
        word = random.choice(world()["words"])
        raw = (
            f"From: Customer {n} <new{os.getpid()}x{n}@mail.example>\r\n"
            f"To: {team['email']}\r\n"
            f"Subject: My {word} does not work\r\n"
            f"Message-ID: <cap-{os.getpid()}-{n}@mail.example>\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hello, the {word} I bought last week stopped working. Can you help?\r\n"
        ).encode()
        self.client.post(
            f"/api/mail/inbound/{FEED_QUERY}",
            data=raw,
            headers={**self.auth, "Content-Type": "message/rfc822"},
            name="/api/mail/inbound/",
        )
