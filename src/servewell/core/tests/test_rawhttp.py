"""The bench's small HTTP client against a real HTTP/1.1 server (the standard library's):
keep-alive, bodies by length and chunked, cookies kept as a browser keeps them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servewell.core.bench import rawhttp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        _Handler.connections.add(id(self.connection))
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        body = self.headers.get("Cookie", "").encode()
        self.send_response(200)
        self.send_header("Set-Cookie", "csrftoken=abc123; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(302)
        self.send_header("Location", "/sent/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_requests_share_a_connection_and_carry_the_cookies_set(server):
    _Handler.connections.clear()

    async def visit() -> list[rawhttp.Response]:
        client = rawhttp.Client(server)
        try:
            first = await client.get("/")
            second = await client.get("/")
            posted = await client.post_form("/form", {"name": "Ama Mensah", "x": "a&b"})
            chunked = await client.get("/chunked")
            return [first, second, posted, chunked]
        finally:
            client.close()

    first, second, posted, chunked = rawhttp.run(visit())
    assert first.status == 200 and first.body == b""  # no cookie yet
    assert second.body == b"csrftoken=abc123"  # the cookie the first answer set
    assert posted.status == 302 and posted.header("location") == "/sent/"
    assert posted.body == b"name=Ama+Mensah&x=a%26b"
    assert chunked.body == b"hello world"
    assert len(_Handler.connections) == 1  # kept alive


def test_a_closed_connection_is_reopened_for_the_next_request(server):
    async def visit() -> tuple[int, int]:
        client = rawhttp.Client(server)
        first = await client.get("/")
        client.close()  # as a new visitor would come
        second = await client.get("/")
        client.close()
        return first.status, second.status

    assert rawhttp.run(visit()) == (200, 200)
