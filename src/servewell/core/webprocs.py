"""Several web processes on one port, each with a listening socket of its own.

uvicorn's own ``--workers`` hands one listening socket to every process, and whichever
wakes first takes the next connection. Browsers (and proxies) keep their connections
open, so a process that happened to accept more of them keeps that load: measured under
the capacity test, one of two processes did 60-70 % of the work and reached a full core
while the other idled. With ``SO_REUSEPORT`` each process listens on a socket of its
own and the kernel spreads new connections evenly between them.

The supervisor (``serve``) starts the processes fresh (``spawn``: nothing forked from a
process that runs job threads), starts again one that dies, and stops them all on
SIGINT or SIGTERM.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

import uvicorn

log = logging.getLogger(__name__)

APP = "servewell.config.asgi:application"
#: uvicorn's exit code for "could not start" (the port, the app): no point restarting.
STARTUP_FAILURE = 3
STOP_WAIT_S = 10.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def ensure_free(host: str, port: int) -> None:
    """Raise OSError when something listens on the port already. A plain bind: the
    SO_REUSEPORT sockets of another server (a second ``servewell run``) refuse it too,
    where a second SO_REUSEPORT socket would quietly share their connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _end_with_parent(parent: int) -> None:
    """Linux: be sent SIGTERM when the supervisor dies, even by SIGKILL, so that no
    orphan keeps serving the port (and its old code) behind a restarted server."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before we asked
        raise SystemExit(0)


def _web_process(host: str, port: int, options: dict[str, Any], parent: int) -> None:
    """One web process: its own socket on the shared port, uvicorn serving it."""
    if sys.platform.startswith("linux"):
        _end_with_parent(parent)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc)
        raise SystemExit(STARTUP_FAILURE) from exc
    config = uvicorn.Config(APP, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run ``workers`` web processes until SIGINT or SIGTERM; returns an exit code."""
    if workers == 1:
        uvicorn.run(APP, host=host, port=port, **options)
        return 0
    ensure_free(host, port)
    # The reservation the web processes join: bound but never listening, it receives no
    # connections.
    reserved = listening_socket(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(
            target=_web_process, args=(host, port, options, os.getpid()), name="servewell-web"
        )
        process.start()
        return process

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    code = 0
    try:
        while not stop.wait(0.5):
            for n, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("a web process could not start; stopping")
                    stop.set()
                    code = 1
                    break
                log.warning(
                    "web process %s ended (%s); starting another", process.pid, process.exitcode
                )
                processes[n] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_WAIT_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        with contextlib.suppress(OSError):
            reserved.close()
    return code
