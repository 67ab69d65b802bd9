"""How many agents at work one server carries (``servewell bench --only capacity``).

A server is started as ``servewell run`` starts it, on the bench database filled with
``capacity.world`` (2,000 / 100,000 / 1,000,000 conversations at tiny / small / large),
and Locust users behave as agents at the desk (``capacity/locustfile.py``), with the
telephony feed and inbound mail arriving beside them. The number of agents goes up
step by step (``world.SIZES``): after each step has settled, a window is measured; the
first step whose p95 over all requests passes 200 ms, or whose errors pass 0.1 %, ends
the ramp, and the gap to the last good step is halved twice.

Figures:

- ``capacity.agents_at_p95_200ms``: the most agents that held both limits, with the p95
  of each request type, the web processes' memory, the server's CPU per request and the
  whole ramp; first on the embedded default (SQLite, a web process per core and the job
  worker beside them, as ``make run``), then with ``"db": "postgresql"``: PostgreSQL and
  Redis, as many web processes as cores and a separate worker — when PostgreSQL answers
  on 127.0.0.1:5432, else a figure that says why not;
- ``capacity.cpu_ms_per_request``: the server's CPU time per request at that step.

The load generator runs on the same machine and takes CPU from the server: each step
reports its share (``driver_cpu_share``, in cores). A chart of agents against p95 is
written to ``SERVEWELL_BENCH_OUT`` (default ``var/bench/``) as
``capacity-<db>-<scale>.svg``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from servewell.capacity import world as world_module
from servewell.core import charts
from servewell.core.bench import load

GROUP = "capacity"
LOCUSTFILE = "servewell.capacity.locustfile"
PG_ADMIN_URL = os.environ.get(
    "SERVEWELL_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
#: A database number of its own, so the run's job queue and cache meet nobody else's.
REDIS_URL = os.environ.get("SERVEWELL_BENCH_CAPACITY_REDIS_URL", "redis://127.0.0.1:6379/11")
#: Agents started a second when a step begins. A step's new agents then begin their
#: first cycle (sign in, inbox, conversation) spread over some seconds, as people
#: arriving for a shift do, rather than all within the first second or two: at 25 a
#: second, 100 agents opened their inbox within 4 s and their first conversation at
#: about the same moment, and the window measured that wave more than the agents at work.
SPAWN_RATE = 5.0


def out_dir() -> Path:
    return Path(os.environ.get("SERVEWELL_BENCH_OUT") or Path.cwd() / "var" / "bench")


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    missing = load.locust_missing()
    if missing:
        yield ctx.figure("capacity.agents_at_p95_200ms.skipped", 1, "bool", reason=missing)
        return
    size = world_module.SIZES[ctx.scale]
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    with tempfile.TemporaryDirectory(prefix="servewell-capacity-") as folder:
        world = world_module.build(size, Path(folder), progress=ctx.progress)
        chosen = setup(on_postgres)
        for name, value, unit, context in measure(ctx.scale, size, world, **chosen):
            yield ctx.figure(name, value, unit, **context)
    if not on_postgres:
        yield from _postgres(ctx)


def setup(on_postgres: bool) -> dict[str, Any]:
    """The embedded default as ``servewell run`` starts it (a web process per core, the
    job worker beside them in the same command, diskcache and Unix-socket fan-out), or
    the scaled-out one (PostgreSQL, Redis when it answers, a web process per core,
    ``servewell worker`` as a process of its own)."""
    from servewell.core.management.commands.run import default_workers

    if not on_postgres:
        return {"db": "sqlite", "workers": default_workers(), "separate_worker": False, "env": {}}
    env = {"REDIS_URL": REDIS_URL} if _redis_answers() else {}
    return {
        "db": "postgresql",
        "workers": default_workers(),
        "separate_worker": True,
        "env": env,
    }


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def measure(
    scale: str,
    size: world_module.Size,
    world: world_module.World,
    *,
    db: str,
    workers: int,
    separate_worker: bool,
    env: dict[str, str],
) -> Iterator[tuple[str, float, str, dict[str, Any]]]:
    """Ramp the agents against a fresh server; yields (name, value, unit, context)."""
    driver_env = {"SERVEWELL_CAPACITY_WORLD": str(world.path)}
    steps = [n for n in size.steps if n <= world.agents]

    def report(step: load.Step) -> None:
        print(f"capacity ({db}): {json.dumps(step.summary())}", file=sys.stderr, flush=True)

    with (
        load.serve_like_run(workers=workers, separate_worker=separate_worker, env=env) as server,
        load.driver(LOCUSTFILE, server, env=driver_env) as driver,
    ):

        def run_step(users: int) -> load.Step:
            return driver.step(
                users, spawn_rate=SPAWN_RATE, settle_s=size.settle_s, measure_s=size.measure_s
            )

        # Warm the server (templates, connections, caches) before anything counts.
        run_step(min(steps, default=1))
        best, steps_run = load.ramp(run_step, steps, report=report)
    chart = write_chart(steps_run, db, scale)
    context: dict[str, Any] = {
        "db": db,
        "web_processes": workers,
        "job_worker": "separate process"
        if separate_worker
        else ("in the web process" if workers == 1 else "in the supervising process"),
        "redis": "REDIS_URL" in env,
        "cores": os.cpu_count(),
        "conversations": world.conversations,
        "contacts": world.contacts,
        "agents_on_file": world.agents,
        "teams": world.teams,
        "step_s": size.measure_s,
        "ceiling_reached": best is not None and best.users == max(steps, default=0),
        "steps": [s.summary() for s in steps_run],
        "chart": str(chart),
    }
    if best is None:
        lowest = min(steps_run, key=lambda s: s.users, default=None)
        why = {}
        if lowest is not None:
            # Which requests kept even the smallest step over the limit.
            why = {"p95_ms_by_request": {k: v["p95_ms"] for k, v in lowest.by_name.items()}}
        yield (
            "capacity.agents_at_p95_200ms",
            0,
            "agents",
            {**context, "note": "no step held the limits", **why},
        )
        return
    at_best = {
        "p95_ms": round(best.p95_ms, 1),
        "error_rate": round(best.error_rate, 5),
        "requests_per_s": round(best.rps, 1),
        "web_rss_mb": round(best.server_rss_mb, 1),
        "machine_busy": best.summary()["machine_busy"],
        "p95_ms_by_request": {k: v["p95_ms"] for k, v in best.by_name.items()},
        "requests_by_type": {k: v["requests"] for k, v in best.by_name.items()},
    }
    failed = [s for s in steps_run if not s.passed()]
    if failed:
        first = min(failed, key=lambda s: s.users)
        at_best["limited_at"] = first.summary()
        errors = {k: v["error"] for k, v in first.by_name.items() if "error" in v}
        if errors:
            at_best["limited_at"]["errors"] = errors
    yield "capacity.agents_at_p95_200ms", best.users, "agents", {**context, **at_best}
    yield (
        "capacity.cpu_ms_per_request",
        best.cpu_ms_per_request,
        "ms",
        {"db": db, "web_processes": workers, "agents": best.users, "requests": best.requests},
    )


def write_chart(steps: list[load.Step], db: str, scale: str) -> Path:
    """Agents against p95 as an SVG file (core.charts' line chart, with its styles)."""
    ordered = sorted(steps, key=lambda s: s.users)
    points = [
        charts.Point(
            str(s.users),
            round(s.p95_ms, 1),
            note=f"{s.error_rate:.2%} errors, {s.rps:.0f} req/s",
        )
        for s in ordered
    ]
    top = max([load.P95_LIMIT_MS * 1.5, *(p.value or 0 for p in points)])
    svg = str(charts.line_chart(f"p95 by agents ({db}, {scale})", points, unit=" ms", top=top))
    style = (
        "<style>.chart-grid{stroke:#ddd}.chart-axis{font:10px sans-serif;fill:#555}"
        ".chart-line{fill:none;stroke:#2563eb;stroke-width:2}.chart-dot{fill:#2563eb}</style>"
    )
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    svg = svg.replace("<title>", style + "<title>", 1)
    folder = out_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"capacity-{db}-{scale}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


# --- PostgreSQL --------------------------------------------------------------------------


def _postgres(ctx: Any) -> Iterator[dict[str, Any]]:
    """The same ramp on a scratch PostgreSQL database, in a child process of its own."""
    from servewell.core.bench.launch import scratch_database

    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception as exc:
        yield ctx.figure(
            "capacity.agents_at_p95_200ms.skipped",
            1,
            "bool",
            db="postgresql",
            reason=f"PostgreSQL does not answer at {PG_ADMIN_URL}: {str(exc)[:160]}",
        )
        return
    with (
        scratch_database(PG_ADMIN_URL) as url,
        tempfile.TemporaryDirectory(prefix="servewell-capacity-pg-") as var,
    ):
        env = {**os.environ, "DATABASE_URL": url or "", "SERVEWELL_VAR_DIR": var}
        child = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "servewell.capacity.pgchild", ctx.scale],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            figure = ctx.figure(item["name"], item["value"], item["unit"], **item["context"])
            yield {**figure, "database": "postgresql"}
    if child.returncode:
        yield ctx.figure("capacity.postgresql.failed", child.returncode, "exit code")
