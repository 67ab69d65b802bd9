"""The Redis cache as deployments with ``REDIS_URL`` use it: a real Redis server."""

from __future__ import annotations

import threading

import pytest

from servewell.core.cachebackend import KeptClientRedisCache

URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_cache():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {URL}: {exc}")
    cache = KeptClientRedisCache(URL, {"KEY_PREFIX": "sw-test-cache"})
    cache.clear()
    yield cache
    cache.clear()


def test_the_redis_cache_keeps_counts_and_expiries_across_threads(redis_cache):
    """Sessions, rate limits and who is viewing live here: what one request thread
    writes, another reads, and counters add up under concurrent requests."""
    redis_cache.set("session:a", {"user": 7}, 60)
    assert redis_cache.get("session:a") == {"user": 7}
    assert redis_cache.add("session:a", {"user": 8}, 60) is False
    redis_cache.set("hits", 0, 60)

    def hit() -> None:
        for _ in range(50):
            redis_cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert redis_cache.get("hits") == 200
    redis_cache.set("gone", 1, 0)  # a zero timeout stores nothing, as Django's does
    assert redis_cache.get("gone") is None
    redis_cache.delete_many(["session:a", "hits"])
    assert redis_cache.get_many(["session:a", "hits"]) == {}


def test_one_redis_client_serves_every_call(redis_cache):
    """Building a client per call was a tenth of a millisecond each time."""
    first = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client() is first
    redis_cache.set("k", 1, 10)
    assert redis_cache._cache.get_client("k", write=True) is first
