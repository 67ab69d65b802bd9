"""The embedded default on several processes: ``servewell run`` starts a web process per
core with the job worker beside them, and what the processes must agree on (who is
viewing a conversation, rate limits) lives in a cache they share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servewell.core.management.commands.run import MAX_DEFAULT_WORKERS, default_workers
from tests.support.db import database_url

SERVEWELL = str(Path(sys.executable).with_name("servewell"))


def test_web_processes_follow_web_concurrency_else_the_cores(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert default_workers() == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    expected = max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))
    assert default_workers() == expected
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert default_workers() == expected


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.django_db(transaction=True)
def test_run_serves_from_two_processes_and_runs_the_jobs_beside_them(tmp_path):
    from servewell.livequeue.tests.servers import _wait_healthy, free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "SERVEWELL_JOBS_IMMEDIATE": "0",
        "SERVEWELL_JOBS_PATH": str(tmp_path / "jobs.sqlite3"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(  # noqa: S603 - our own command
        [SERVEWELL, "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_healthy(server, f"http://127.0.0.1:{port}", time.monotonic() + 60)
        # The supervisor holds the job worker; its children serve the pages.
        web = [pid for pid in _children(server.pid) if "spawn_main" in _cmdline(pid)]
        assert len(web) == 2
        # Each listens on a socket of its own (SO_REUSEPORT); a second server on the
        # same port is refused, not quietly given half of the connections.
        second = subprocess.run(  # noqa: S603 - our own command
            [SERVEWELL, "run", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "Cannot listen on 127.0.0.1" in second.stderr
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=20)
    assert "Job worker running beside the web" in out
    assert "2 web processes" in out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_the_embedded_cache_is_shared_by_processes_and_survives_request_ends(tmp_path):
    from servewell.core.cachebackend import SharedDiskCache

    params = {"SHARDS": 2, "DATABASE_TIMEOUT": 0.05}
    cache = SharedDiskCache(str(tmp_path / "cache"), params)
    # Another process (a second web process) writes; this one reads it.
    script = (
        "import sys; from django.conf import settings; settings.configure();"
        "from servewell.core.cachebackend import SharedDiskCache;"
        "c = SharedDiskCache(sys.argv[1], {'SHARDS': 2, 'DATABASE_TIMEOUT': 0.05});"
        "c.set('desk:viewers:7', {'3': 'viewing'}, 30);"
        "c.add('throttle:x', 0, 60); c.incr('throttle:x')"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "cache")], check=True)  # noqa: S603
    assert cache.get("desk:viewers:7") == {"3": "viewing"}
    cache.close()  # Django calls this after every request: the cache stays usable
    assert cache.incr("throttle:x") == 2
    # One instance per directory per process: Django makes a backend per request context.
    again = SharedDiskCache(str(tmp_path / "cache"), params)
    assert again._cache is cache._cache
