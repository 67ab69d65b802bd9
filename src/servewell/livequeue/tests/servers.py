"""Real servers for the real-time tests: uvicorn processes on loopback against the test
database, and a small Server-Sent Events reader.

SSE needs ASGI (pytest-django's ``live_server`` is WSGI), and the Redis fan-out is only
proven by two separate processes, so these tests start ``uvicorn`` themselves.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

from tests.support.db import database_url

SRC = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(redis_url: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servewell.config.test_settings",
        "SERVEWELL_TESTING": "1",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "SERVEWELL_VAR_DIR": str(settings.VAR_DIR),
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable, "-m", "uvicorn", "servewell.config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
        "--log-level", "critical", "--no-access-log", "--timeout-graceful-shutdown", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our interpreter, our app
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(process: subprocess.Popen, base: str, deadline: float) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not come up")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextlib.contextmanager
def uvicorn_servers(count: int = 1, *, redis_url: str = "", timeout: float = 60.0):
    """``count`` server processes started side by side; yields their base URLs."""
    started = [_spawn(redis_url) for _ in range(count)]
    try:
        deadline = time.monotonic() + timeout
        for process, base in started:
            _wait_healthy(process, base, deadline)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            _stop(process)


@contextlib.contextmanager
def uvicorn_server(
    *, redis_url: str = "", port: int | None = None, timeout: float = 60.0
) -> Iterator[str]:
    """One server process; give ``port`` to restart "the same server" later."""
    process, base = _spawn(redis_url, port)
    try:
        _wait_healthy(process, base, time.monotonic() + timeout)
        yield base
    finally:
        _stop(process)


def session_cookie(user) -> dict[str, str]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


@dataclass
class SseEvent:
    event: str
    data: dict
    at: float


class SseReader:
    """Reads one ``text/event-stream`` in a thread; events land in ``self.events``."""

    def __init__(self, url: str, cookies: dict[str, str]) -> None:
        self.url, self.cookies = url, cookies
        self.events: queue.Queue[SseEvent] = queue.Queue()
        self.retry: int | None = None
        self.comments = 0
        self.status: int | None = None
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SseReader:
        self._thread.start()
        if not self._connected.wait(10):
            raise RuntimeError("stream did not connect")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._response is not None:
            with contextlib.suppress(Exception):
                self._response.close()  # unblocks the reading thread
        self._thread.join(0.2)  # a daemon: it ends when the server closes the socket

    def _run(self) -> None:
        try:
            self._read()
        except Exception:
            if not self._stop.is_set():
                raise
        finally:
            self._connected.set()

    def _read(self) -> None:
        timeout = httpx.Timeout(30, read=None)
        with (
            httpx.Client(cookies=self.cookies, timeout=timeout) as client,
            client.stream("GET", self.url) as response,
        ):
            self._response = response
            self.status = response.status_code
            self._connected.set()
            event, data = "message", []
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("retry:"):
                    self.retry = int(line.split(":", 1)[1])
                elif line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    data.append(line.split(":", 1)[1].strip())
                elif line == "" and data:
                    item = SseEvent(event, json.loads("\n".join(data)), time.monotonic())
                    self.events.put(item)
                    event, data = "message", []

    def wait_for(self, name: str, /, timeout: float = 10.0, **match) -> SseEvent:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name!r} event matching {match} within {timeout}s")
            try:
                item = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if item.event == name and all(item.data.get(k) == v for k, v in match.items()):
                return item

    def drain(self) -> list[SseEvent]:
        items = []
        while True:
            try:
                items.append(self.events.get_nowait())
            except queue.Empty:
                return items
