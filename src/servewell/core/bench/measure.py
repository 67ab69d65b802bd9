"""Timing helpers shared by the benchmark groups."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def percentile(samples: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), p in 0..100."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    samples_ms: list[float]
    last: httpx.Response

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)


def time_requests(
    client: httpx.Client,
    path: str,
    *,
    requests: int,
    warmup: int,
    progress: Callable[..., Iterable] = lambda it, **kw: it,
) -> Latency:
    """GET ``path`` ``warmup`` times unmeasured, then ``requests`` times one after the other.

    Any answer but 200 stops the run: timing a redirect to the login page or an error
    page would report a figure for a screen nobody sees.
    """
    for _ in range(warmup):
        _checked(client.get(path), path)
    samples = []
    response = None
    for _ in progress(range(requests), total=requests, desc=f"GET {path}"):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        _checked(response, path)
    if response is None:
        raise ValueError("requests must be at least 1")
    return Latency(samples, response)


def _checked(response: httpx.Response, path: str) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]!r}")
    return response


def count_queries(user: Any, path: str) -> int:
    """SQL queries one signed-in GET of ``path`` runs, counted in this process through
    Django's test client (the second request, so one-off work like loading content
    types does not count)."""
    client = Client()
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code} in the test client")
    return len(captured)
