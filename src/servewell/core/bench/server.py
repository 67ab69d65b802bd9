"""A real uvicorn server on a loopback port, against the bench database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from servewell.core.bench.launch import BENCH_ENV

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """A port nobody listens on now; uvicorn binds it a moment later (the race is benign
    on a loopback interface that only the benchmark uses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(timeout: float = STARTUP_TIMEOUT, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``uvicorn servewell.config.asgi:application``; yield its base URL once
    ``/healthz`` answers; stop it afterwards. Its output goes to stderr, never to the
    figures on stdout. ``env`` overrides the bench environment for this server (a figure
    that measures production's queued jobs sets ``SERVEWELL_JOBS_IMMEDIATE=0``)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "servewell.config.asgi:application",
        "--host=127.0.0.1",
        f"--port={port}",
        "--lifespan=off",
        "--log-level=warning",
        "--no-access-log",
        "--no-proxy-headers",
    ]
    env = {**os.environ, **BENCH_ENV, **(env or {})}
    process = subprocess.Popen(command, env=env, stdout=sys.stderr, stderr=sys.stderr)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, base_url, timeout)
        yield base_url
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server or worker to stop, and kill it if it has not within ``timeout``."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_healthy(process: subprocess.Popen, base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bench server exited with code {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the bench server did not answer /healthz within {timeout:.0f} s")
