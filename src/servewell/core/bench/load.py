"""Load tests: a server started as ``servewell run`` starts it, and Locust users ramped
against it step by step until it gets slow.

The parent (the bench child process, with Django set up) never runs Locust itself:
Locust monkey-patches the standard library with gevent, which must not happen in a
process that also runs Django's ORM for the benchmark. ``loaddriver`` runs in a process
of its own; this module talks to it over a pipe (one JSON line a command, one a result)
and measures the server from outside (CPU seconds and memory of its processes, read
from ``/proc``) while the driver counts requests.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from servewell.core.bench.launch import BENCH_ENV
from servewell.core.bench.server import STARTUP_TIMEOUT, _wait_healthy, free_port, stop

#: The load passes a step while both hold over its measuring window.
P95_LIMIT_MS = 200.0
ERROR_LIMIT = 0.001


def locust_missing() -> str:
    """Why no load test can run here ("" when Locust is installed). Never imports it:
    Locust patches the standard library with gevent on import."""
    if importlib.util.find_spec("locust") is None:
        return "Locust is not installed (pip install -e '.[dev]')"
    return ""


# --- The server ----------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    processes: list[subprocess.Popen]

    def pids(self) -> list[int]:
        """Every process of the server: the ones we started and their children
        (uvicorn's worker processes)."""
        roots = {p.pid for p in self.processes}
        return sorted(_descendants(roots) | roots)

    def rss_mb(self) -> float:
        return sum(_rss_kb(pid) for pid in self.pids()) / 1024

    def cpu_s(self) -> float:
        return sum(_cpu_s(pid) for pid in self.pids())


def _servewell_command() -> list[str]:
    """The ``servewell`` script beside this Python, else the same entry point run by
    the interpreter (a checkout without the script installed)."""
    script = Path(sys.executable).with_name("servewell")
    if script.exists():
        return [str(script)]
    found = shutil.which("servewell")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from servewell.cli import main; sys.exit(main())"]


@contextmanager
def serve_like_run(
    *,
    workers: int = 1,
    separate_worker: bool = False,
    env: dict[str, str] | None = None,
    jobs_wait: bool = False,
) -> Iterator[Server]:
    """``servewell run --workers N`` on a free loopback port, with the job worker in the
    process (one web process, the embedded default) or as ``servewell worker`` beside it
    (``separate_worker``). Jobs run in the worker, as in production, not inline; with
    ``jobs_wait`` no worker runs and they stay queued (a figure of the web side alone)."""
    port = free_port()
    full_env = _server_env(env)
    command = [*_servewell_command(), "run", "--host=127.0.0.1", f"--port={port}"]
    command.append(f"--workers={workers}")
    if separate_worker or jobs_wait:
        command.append("--no-worker")
        separate_worker = separate_worker and not jobs_wait
    processes = [
        subprocess.Popen(command, env=full_env, stdout=sys.stderr, stderr=sys.stderr)  # noqa: S603
    ]
    if separate_worker:
        processes.append(_start_worker(full_env))
    server = Server(f"http://127.0.0.1:{port}", processes)
    try:
        _wait_healthy(processes[0], server.base_url, STARTUP_TIMEOUT)
        yield server
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def job_worker(env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``servewell worker`` with the environment ``serve_like_run`` gives its server: for
    a figure that lets jobs pile up first (``jobs_wait``) and then times their draining."""
    process = _start_worker(_server_env(env))
    try:
        yield process
    finally:
        stop(process)


def _server_env(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "SERVEWELL_JOBS_IMMEDIATE": "0", **(env or {})}


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [*_servewell_command(), "worker"], env=env, stdout=sys.stderr, stderr=sys.stderr
    )


def _descendants(roots: set[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                parents[int(entry.name)] = int(stat[1])
    found, frontier = set(), set(roots)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, …)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def _cpu_s(pid: int) -> float:
    stat = _stat(pid)
    if not stat:
        return 0.0
    ticks = int(stat[11]) + int(stat[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all the machine's cores since boot, from
    ``/proc/stat``; None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return total - fields[3] - fields[4], total


def busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the machine's cores that were busy between two ``machine_ticks``:
    1.0 means every core was working the whole time (the server, its database and the
    load generator together), so a slow step there ran out of CPU rather than waiting."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


# --- The driver ----------------------------------------------------------------------


@dataclass
class Step:
    """What one step of the ramp measured over its window."""

    users: int
    seconds: float
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    by_name: dict[str, dict[str, float]]
    server_cpu_s: float = 0.0
    server_rss_mb: float = 0.0
    driver_cpu_s: float = 0.0
    machine_busy: float | None = None  # share of all cores busy over the window
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_s * 1000 / self.requests if self.requests else 0.0

    def passed(self, p95_limit_ms: float = P95_LIMIT_MS, error_limit: float = ERROR_LIMIT) -> bool:
        return self.requests > 0 and self.p95_ms <= p95_limit_ms and self.error_rate <= error_limit

    def summary(self) -> dict[str, Any]:
        return {
            "agents": self.users,
            "p95_ms": round(self.p95_ms, 1),
            "p50_ms": round(self.p50_ms, 1),
            "requests_per_s": round(self.rps, 1),
            "error_rate": round(self.error_rate, 5),
            "server_cpu_ms_per_request": round(self.cpu_ms_per_request, 2),
            "server_rss_mb": round(self.server_rss_mb, 1),
            "driver_cpu_share": round(self.driver_cpu_s / self.seconds, 2) if self.seconds else 0,
            "machine_busy": None if self.machine_busy is None else round(self.machine_busy, 2),
            **({"errors": self.errors()} if self.failures else {}),
        }

    def errors(self) -> dict[str, str]:
        """Request type -> how many failed of how many, and the first error seen: a step
        that fails on errors says which requests and why."""
        return {
            name: f"{row['failures']}/{row['requests']}: {row.get('error', '?')}"
            for name, row in self.by_name.items()
            if row.get("failures")
        }


class Driver:
    """A ``loaddriver`` process running ``locustfile`` against ``server``."""

    def __init__(self, locustfile: str, server: Server, env: dict[str, str] | None = None):
        self.server = server
        command = [
            sys.executable,
            "-m",
            "servewell.core.bench.loaddriver",
            f"--locustfile={locustfile}",
            f"--host={server.base_url}",
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
        )

    def step(self, users: int, *, spawn_rate: float, settle_s: float, measure_s: float) -> Step:
        """Bring the user count to ``users``, let it settle, then measure a window."""
        command = {
            "users": users,
            "spawn_rate": spawn_rate,
            "settle_s": settle_s,
            "measure_s": measure_s,
        }
        self._send(command)
        started = self._read("measuring")
        cpu_before, ticks_before = self.server.cpu_s(), machine_ticks()
        result = self._read("step")
        cpu = self.server.cpu_s() - cpu_before
        busy = busy_share(ticks_before, machine_ticks())
        return Step(
            users=result["users"],
            seconds=result["seconds"],
            requests=result["requests"],
            failures=result["failures"],
            p50_ms=result["p50_ms"],
            p95_ms=result["p95_ms"],
            by_name=result["by_name"],
            server_cpu_s=cpu,
            server_rss_mb=self.server.rss_mb(),
            driver_cpu_s=result["driver_cpu_s"],
            machine_busy=busy,
            extra={"spawned_in_s": started.get("spawned_in_s")},
        )

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self._send({"quit": True})
                self.process.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                self.process.kill()
                self.process.wait()

    def _send(self, command: dict[str, Any]) -> None:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()

    def _read(self, event: str) -> dict[str, Any]:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        while True:
            line = stdout.readline()
            if not line:
                raise RuntimeError(f"the load driver exited (code {self.process.wait()})")
            if line.startswith("{"):
                message = json.loads(line)
                if message.get("event") == "error":
                    raise RuntimeError(f"the load driver failed: {message.get('error')}")
                if message.get("event") == event:
                    return message


@contextmanager
def driver(locustfile: str, server: Server, env: dict[str, str] | None = None) -> Iterator[Driver]:
    running = Driver(locustfile, server, env)
    try:
        yield running
    finally:
        running.close()


# --- The ramp ------------------------------------------------------------------------


def ramp(
    run_step: Callable[[int], Step],
    steps: Sequence[int],
    *,
    refine: int = 2,
    p95_limit_ms: float = P95_LIMIT_MS,
    error_limit: float = ERROR_LIMIT,
    report: Callable[[Step], None] = lambda step: None,
) -> tuple[Step | None, list[Step]]:
    """Step through ``steps`` until one fails, then halve the gap between the last pass
    and the first failure ``refine`` times. Returns (the largest passing step, all
    steps in the order run)."""
    measured: list[Step] = []
    best: Step | None = None
    failed_at: int | None = None
    for users in steps:
        step = run_step(users)
        measured.append(step)
        report(step)
        if not step.passed(p95_limit_ms, error_limit):
            failed_at = users
            break
        best = step
    low = best.users if best else 0
    for _ in range(refine if failed_at is not None else 0):
        middle = (low + failed_at) // 2
        if middle <= low or failed_at - low < max(4, low // 20):
            break
        step = run_step(middle)
        measured.append(step)
        report(step)
        if step.passed(p95_limit_ms, error_limit):
            best, low = step, middle
        else:
            failed_at = middle
    return best, measured
