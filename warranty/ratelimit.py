"""A fixed-window counter on Django's cache (works with locmem and Redis alike).

It fails closed: when the cache cannot count (Redis down), `hit` raises Unavailable and
the caller refuses the request (503) instead of letting it through uncounted.
"""

from __future__ import annotations

from django.core.cache import cache


class Unavailable(Exception):
    """The counter could not be read or moved."""


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in the window."""
    try:
        return _count(key, limit=limit, window_seconds=window_seconds)
    except Exception as exc:  # the cache backend's own error types (redis, memcached …)
        raise Unavailable(str(exc)) from exc


def _count(key: str, *, limit: int, window_seconds: int) -> bool:
    cache_key = f"ratelimit:{key}"
    # add() is atomic on both backends, so the first hit of a window starts it exactly once.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
