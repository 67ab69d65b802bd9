"""The embedded default's cache: diskcache, one instance per process.

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
