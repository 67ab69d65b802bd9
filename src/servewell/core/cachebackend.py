"""The caches: the embedded default's diskcache, one instance per process, and Redis
with its clients kept.

Django makes a cache backend per thread and request context and closes it when each
request finishes. For diskcache that means opening (and closing) a SQLite connection per
shard on every request: measured under load, a fifth of the web processes' time went to
it. diskcache's own objects are thread-safe (a connection per thread, kept), so one per
directory serves every request of the process.
"""

from __future__ import annotations

import threading
from typing import Any

from diskcache import DjangoCache, FanoutCache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_shared: dict[tuple[str, int, float], FanoutCache] = {}
_lock = threading.Lock()


class SharedDiskCache(DjangoCache):
    def __init__(self, directory: str, params: dict[str, Any]) -> None:
        BaseCache.__init__(self, params)
        key = (directory, int(params.get("SHARDS", 8)), float(params.get("DATABASE_TIMEOUT", 0.01)))
        with _lock:
            cache = _shared.get(key)
            if cache is None:
                cache = _shared[key] = FanoutCache(
                    directory, key[1], key[2], **params.get("OPTIONS", {})
                )
        self._cache = cache

    def close(self, **kwargs: Any) -> None:
        """Kept open: Django calls this after every request."""


class _KeptRedisClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool. Django's
    own builds a new one for every cache call, and redis-py's constructor fills a table
    of about 170 response callbacks each time: measured, a tenth of a millisecond per
    call, and a presence poll makes several (session, heartbeat, who else is here).
    ``redis.Redis`` is thread-safe over its pool, as the pool already was."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._pool_at(index))
        return client

    def _pool_at(self, index: int) -> Any:
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(
                self._servers[index], **self._pool_options
            )
        return self._pools[index]


class KeptClientRedisCache(RedisCache):
    """``RedisCache`` with ``_KeptRedisClient``."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptRedisClient
