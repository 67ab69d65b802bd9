"""The Locust side of a load test, in a process of its own (``core.bench.load`` starts it).

Reads one JSON command a line on stdin — ``{"users", "spawn_rate", "settle_s",
"measure_s"}`` or ``{"quit": true}`` — and answers on stdout with ``{"event":
"measuring"}`` when the measuring window opens and ``{"event": "step", ...}`` with what
it counted when it closes: requests, failures, percentiles over every request and per
request name, from the exact response times (not Locust's rounded histogram).

``users`` counts the weighted users (the agents); users with a ``fixed_count`` (a
telephony feed) run on top of them.
"""

# ruff: noqa: I001 - Locust must be imported before anything else
from __future__ import annotations

# Locust monkey-patches the standard library with gevent on import: first, always.
import locust  # noqa: F401

import argparse
import importlib
import json
import math
import resource
import sys
import time
import traceback
from collections import defaultdict
from typing import Any

import gevent
from gevent.fileobject import FileObject
from locust import User
from locust.env import Environment
from locust.util.load_locustfile import load_locustfile


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Window:
    """Response times per request name, while open."""

    def __init__(self) -> None:
        self.open = False
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)
        self.errors: dict[str, str] = {}

    def on_request(
        self, request_type: str, name: str, response_time: float, exception: Any = None, **_: Any
    ) -> None:
        if not self.open:
            return
        key = f"{request_type} {name}"
        self.samples[key].append(response_time)
        if exception is not None:
            self.failures[key] += 1
            self.errors.setdefault(key, repr(exception)[:300])

    def result(self) -> dict[str, Any]:
        every = [t for times in self.samples.values() for t in times]
        by_name = {
            key: {
                "requests": len(times),
                "failures": self.failures.get(key, 0),
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                **({"error": self.errors[key]} if key in self.errors else {}),
            }
            for key, times in sorted(self.samples.items())
        }
        return {
            "requests": len(every),
            "failures": sum(self.failures.values()),
            "p50_ms": percentile(every, 50),
            "p95_ms": percentile(every, 95),
            "by_name": by_name,
        }


def user_classes(locustfile: str) -> list[type[User]]:
    if locustfile.endswith(".py"):
        found, _shapes = load_locustfile(locustfile)
        return list(found.values())
    module = importlib.import_module(locustfile)
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, User)
        and value.__module__ == module.__name__
        and not getattr(value, "abstract", False)
    ]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def run_step(env: Environment, window: Window, fixed: int, command: dict[str, Any]) -> None:
    target = int(command["users"]) + fixed
    started = time.monotonic()
    env.runner.start(target, spawn_rate=float(command["spawn_rate"]))
    deadline = started + target / float(command["spawn_rate"]) + 60
    while env.runner.user_count != target and time.monotonic() < deadline:
        gevent.sleep(0.2)
    spawned = time.monotonic() - started
    gevent.sleep(float(command["settle_s"]))
    window.__init__()
    window.open = True
    emit({"event": "measuring", "spawned_in_s": round(spawned, 1)})
    cpu, opened = _cpu_s(), time.monotonic()
    gevent.sleep(float(command["measure_s"]))
    window.open = False
    emit(
        {
            "event": "step",
            "users": int(command["users"]),
            "seconds": time.monotonic() - opened,
            "driver_cpu_s": _cpu_s() - cpu,
            **window.result(),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="servewell-loaddriver")
    parser.add_argument("--locustfile", required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args(argv)
    classes = user_classes(args.locustfile)
    if not classes:
        emit({"event": "error", "error": f"no User classes in {args.locustfile}"})
        return 2
    env = Environment(user_classes=classes, host=args.host)
    window = Window()
    env.events.request.add_listener(window.on_request)
    env.create_local_runner()
    fixed = sum(getattr(c, "fixed_count", 0) for c in classes)
    commands = FileObject(sys.stdin, "r")
    try:
        for line in commands:
            command = json.loads(line)
            if command.get("quit"):
                break
            run_step(env, window, fixed, command)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "error": repr(exc)})
        return 1
    finally:
        env.runner.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
