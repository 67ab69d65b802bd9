"""A fixed-window counter in the cache, for doors anyone can knock on (password reset,
the customer's page). Fixed windows are crude, a burst at a window's edge gets twice the
limit, but they cost one or two cache round trips and need no table."""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; False once more than ``limit`` in ``window`` s."""
    key = f"throttle:{key}"
    if cache.add(key, 1, window):  # the first attempt of a window: one write, not two
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit
