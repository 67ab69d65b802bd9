"""A small HTTP/1.1 client for throughput figures: keep-alive connections on asyncio,
responses parsed by httptools (the parser uvicorn uses).

Why not httpx: the load generator runs on the same two cores as the server it measures.
A synchronous httpx client spends about 1.7 ms of CPU per request in Python, and eight of
them in one process queue on its interpreter lock, so a throughput figure taken with it
is partly the client's. This one costs a tenth of that, so the figure is the server's.
It speaks plain HTTP/1.1 over real sockets (no mock of anything on the server's side):
requests with ``Content-Length`` bodies, responses with a length or chunked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

import httptools


@dataclass
class Response:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


@dataclass
class _Reading:
    done: asyncio.Future
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    keep_alive: bool = True


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reading: _Reading | None = None
        self.lost: BaseException | None = None

    # asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionError("the server closed the connection")
        self._fail(self.lost)

    def _fail(self, exc: BaseException) -> None:
        if self.reading is not None and not self.reading.done.done():
            self.reading.done.set_exception(exc)

    # httptools
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.reading is not None
        self.reading.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.reading is not None
        self.reading.status = self.parser.get_status_code()
        self.reading.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        assert self.reading is not None
        self.reading.body.append(body)

    def on_message_complete(self) -> None:
        reading = self.reading
        if reading is not None and not reading.done.done():
            reading.done.set_result(reading)


class Client:
    """One keep-alive connection, with the cookies the server set (as a browser keeps
    them for its site). Reconnects when the server closes between requests."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.netloc = parts.netloc
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._protocol: _Protocol | None = None

    async def _connection(self) -> _Protocol:
        protocol = self._protocol
        if protocol is None or protocol.lost is not None or protocol.transport is None:
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(_Protocol, self.host, self.port)
            self._protocol = protocol
        return protocol

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Response:
        protocol = await self._connection()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.netloc}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        reading = _Reading(asyncio.get_running_loop().create_future())
        protocol.reading = reading
        assert protocol.transport is not None
        protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await asyncio.wait_for(reading.done, self.timeout)
        if not reading.keep_alive:
            protocol.transport.close()
            self._protocol = None
        response = Response(reading.status, reading.headers, b"".join(reading.body))
        self._keep_cookies(response)
        return response

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post_form(
        self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> Response:
        return await self.request(
            "POST",
            path,
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    async def post_json(
        self, path: str, data: bytes, headers: dict[str, str] | None = None
    ) -> Response:
        return await self.request(
            "POST", path, body=data, headers={"Content-Type": "application/json", **(headers or {})}
        )

    def _keep_cookies(self, response: Response) -> None:
        for key, value in response.headers:
            if key.lower() == b"set-cookie":
                jar: SimpleCookie = SimpleCookie()
                jar.load(value.decode("latin-1"))
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)  # the server deletes it
                    else:
                        self.cookies[name] = morsel.value

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run on uvloop when installed (it is with Servewell): the client's own event loop
    is then a small part of the time measured."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
